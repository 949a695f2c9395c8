import type { UsageEventInput } from '../types';
import { TOKEN_COLUMNS } from './event-tokens';

/** The columns an insert writes to `events`, in the order of eventColumnValues(). */
export const EVENT_COLUMNS = [
  'ts',
  'dedup',
  'req',
  'req_text',
  'key_id',
  'account_id',
  'model_id',
  'alias_id',
  'provider_id',
  'endpoint_id',
  'executor_id',
  'auth_type_id',
  'source_id',
  'ip_id',
  'ua_id',
  'effort_id',
  'tier_id',
  'resp_tier_id',
  'status',
  'flags',
  'latency',
  'ttft',
  'lat_bucket',
  ...TOKEN_COLUMNS,
  'cost',
  'price_ver',
  'upstream_id',
] as const;

export type EventColumn = (typeof EVENT_COLUMNS)[number];

/** An event's dictionary ids (resolved by the dialect's dictionary). */
export interface EventDictIds {
  keyId: number;
  accountId: number;
  modelId: number;
  aliasId: number;
  providerId: number;
  endpointId: number;
  executorId: number;
  authTypeId: number;
  sourceId: number;
  ipId: number;
  uaId: number;
  effortId: number;
  tierId: number;
  respTierId: number;
  upstreamId: number;
}

/** The encoded values of a new events row that are not plain event fields or ids. */
export interface EventEncoding {
  req: number | null;
  reqText: string | null;
  flags: number;
  latBucket: number;
  costMicros: number | null;
}

/** One events row, values in EVENT_COLUMNS order. */
export function eventColumnValues(
  e: UsageEventInput,
  c: EventEncoding,
  ids: EventDictIds,
  dedup: Buffer,
  priceVersion: number,
): unknown[] {
  return [
    e.timestampMs,
    dedup,
    c.req,
    c.reqText,
    ids.keyId,
    ids.accountId,
    ids.modelId,
    ids.aliasId,
    ids.providerId,
    ids.endpointId,
    ids.executorId,
    ids.authTypeId,
    ids.sourceId,
    ids.ipId,
    ids.uaId,
    ids.effortId,
    ids.tierId,
    ids.respTierId,
    e.statusCode,
    c.flags,
    e.latencyMs,
    e.ttftMs,
    c.latBucket,
    e.inputTokens,
    e.cacheReadTokens,
    e.cacheCreationTokens,
    e.outputTokens,
    e.reasoningTokens,
    e.unclassifiedTokens,
    c.costMicros,
    priceVersion,
    ids.upstreamId,
  ];
}
