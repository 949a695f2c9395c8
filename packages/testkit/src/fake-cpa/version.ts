/** Version gates of the emulated CPA (docs/design.md, "Version timeline"). */

export type Semver = readonly [number, number, number];

export function parseVersion(v: string | null): Semver | null {
  if (v === null) return null;
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function cmp(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when `version` is at least `min`. An unknown version (null/unparsable) behaves like the newest CPA. */
export function atLeast(version: string | null, min: string): boolean {
  const v = parseVersion(version);
  const m = parseVersion(min);
  if (!v || !m) return true;
  return cmp(v, m) >= 0;
}

export function isExactly(version: string | null, target: string): boolean {
  const v = parseVersion(version);
  const t = parseVersion(target);
  return !!v && !!t && cmp(v, t) === 0;
}

export const gates = {
  respQueue: (v: string | null) => atLeast(v, '6.9.38'),
  respDisabled: (v: string | null) => isExactly(v, '7.1.17'),
  httpUsageQueue: (v: string | null) => atLeast(v, '6.10.8'),
  subscribe: (v: string | null) => atLeast(v, '7.0.7'),
  refreshControl: (v: string | null) => atLeast(v, '7.1.39'),
  errorsChannel: (v: string | null) => atLeast(v, '7.1.44'),
  legacyUsage: (v: string | null) => !atLeast(v, '6.10.0'),
};
