import type { CostResult } from '../prices/cost';
import type { RollupContribution } from '../rollups/rollup-batch';
import type { UsageEventInput } from '../types';
import { encodeRequestId, qualityFlags } from './event-codec';
import {
  FLAG_COST_ESTIMATED,
  FLAG_FAILED,
  FLAG_GENERATE,
  FLAG_HAS_EXTRA,
  FLAG_PRICE_MISSING,
  statusClass,
} from './event-flags';
import type { StoredEventSummary } from './events.repository';
import { eventTokens } from './event-tokens';
import { latencyBucket } from './latency-buckets';
import { ttftBucket } from './ttft-buckets';

/** The event_extra payload of an event, or null when it has none (no fail body, no headers). */
export function eventExtra(e: UsageEventInput): { failBody: string | null; headers: string | null } | null {
  const hasHeaders = e.rateLimitHeaders !== undefined && Object.keys(e.rateLimitHeaders).length > 0;
  if (e.failBody === '' && !hasHeaders) return null;
  return { failBody: e.failBody || null, headers: hasHeaders ? JSON.stringify(e.rateLimitHeaders) : null };
}

/** What a new event stores besides its plain fields and dictionary ids. */
export interface EncodedEvent {
  req: number | null;
  reqText: string | null;
  extra: { failBody: string | null; headers: string | null } | null;
  flags: number;
  latBucket: number;
  costMicros: number | null;
}

export function encodeEvent(e: UsageEventInput, cost: CostResult): EncodedEvent {
  const [req, reqText] = encodeRequestId(e.requestId);
  const extra = eventExtra(e);
  return {
    req,
    reqText,
    extra,
    flags: insertFlags(e, cost, extra !== null),
    latBucket: latencyBucket(e.latencyMs),
    costMicros: cost.costMicros,
  };
}

/** The stored flags of a new event. */
export function insertFlags(e: UsageEventInput, cost: CostResult, hasExtra: boolean): number {
  return (
    (e.failed ? FLAG_FAILED : 0) |
    (e.generate ? FLAG_GENERATE : 0) |
    qualityFlags(e.tokenQuality) |
    (cost.missing ? FLAG_PRICE_MISSING : 0) |
    (cost.estimated ? FLAG_COST_ESTIMATED : 0) |
    (hasExtra ? FLAG_HAS_EXTRA : 0)
  );
}

/** Stored flags after re-pricing: only the price bits change. */
export function repricedFlags(flags: number, cost: CostResult): number {
  return (
    (flags & ~(FLAG_PRICE_MISSING | FLAG_COST_ESTIMATED)) |
    (cost.missing ? FLAG_PRICE_MISSING : 0) |
    (cost.estimated ? FLAG_COST_ESTIMATED : 0)
  );
}

/** What an inserted event adds to the rollups. */
export function rollupContribution(
  e: UsageEventInput,
  ids: { modelId: number; providerId: number; keyId: number; accountId: number; upstreamId: number },
  costMicros: number | null,
  latBucket: number,
): RollupContribution {
  return {
    ts: e.timestampMs,
    modelId: ids.modelId,
    providerId: ids.providerId,
    keyId: ids.keyId,
    accountId: ids.accountId,
    upstreamId: ids.upstreamId,
    sclass: statusClass(e.failed, e.statusCode),
    failed: e.failed,
    ...eventTokens(e),
    cost: costMicros,
    latency: e.latencyMs,
    latBucket,
    ttftBucket: ttftBucket(e.ttftMs),
  };
}

/** What insert listeners hear about an inserted event. */
export const eventSummary = (
  id: number,
  e: UsageEventInput,
  costMicros: number | null,
): StoredEventSummary => ({
  id,
  timestampMs: e.timestampMs,
  model: e.model,
  failed: e.failed,
  costMicros,
});
