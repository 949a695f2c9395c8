// Which CPA versions offer which usage transport: the feature table lives in @cpamp/sdk-cpa (docs/design.md,
// "Version timeline"); this only maps transports onto it. Unknown version → assume yes (and probe).
import { parseCpaVersion, supportsFeature, type CpaFeature } from '@cpamp/sdk-cpa';
import type { TransportName } from './transports/transport';

const FEATURE_OF: Record<TransportName, CpaFeature> = {
  subscribe: 'resp-subscribe',
  http: 'http-usage-queue',
  'resp-pop': 'resp-pop',
};

export function transportSupported(version: string | null, transport: TransportName): boolean {
  // sdk-cpa answers "no" for an unknown version; the collector would rather try and fall through.
  if (version === null || parseCpaVersion(version) === null) return true;
  return supportsFeature(version, FEATURE_OF[transport]);
}
