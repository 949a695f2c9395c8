// Which CPA versions offer which usage transport (cpa-protocol.md §7). Unknown version → assume yes.
import type { TransportName } from './transports/transport';

export function parseVersion(v: string): [number, number, number] | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export function versionAtLeast(v: string, min: string): boolean {
  const a = parseVersion(v);
  const b = parseVersion(min);
  if (!a || !b) return true;
  for (let i = 0; i < 3; i++) {
    if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) > (b[i] as number);
  }
  return true;
}

export function versionSupports(version: string | null, transport: TransportName): boolean {
  if (!version || !parseVersion(version)) return true;
  const disabledResp = parseVersion(version)?.join('.') === '7.1.17';
  switch (transport) {
    case 'subscribe':
      return versionAtLeast(version, '7.0.7') && !disabledResp;
    case 'http':
      return versionAtLeast(version, '6.10.8');
    case 'resp-pop':
      return versionAtLeast(version, '6.9.38') && !disabledResp;
  }
}
