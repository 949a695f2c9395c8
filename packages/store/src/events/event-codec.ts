import { createHash } from 'node:crypto';
import type { KeyEntry, SimpleDictionary } from '../dictionary/dictionary-cache';
import { StoreError } from '../errors';
import type { StoredEvent, UsageEventInput } from '../types';
import {
  FLAG_COST_ESTIMATED,
  FLAG_FAILED,
  FLAG_GENERATE,
  FLAG_PRICE_MISSING,
  QUALITY_MASK,
  QUALITY_SHIFT,
} from './event-flags';
import { rowTokens } from './event-tokens';
import { DEFAULT_UPSTREAM } from './event-upstream';
import { unpackHeaders } from './header-codec';

const QUALITIES = ['complete', 'inconsistent', 'unclassified', 'legacy'] as const;

/** Minute 0 of the stored dedup value's time prefix: 2020-01-01T00:00Z (earlier events share minute 0). */
export const DEDUP_EPOCH_MINUTE = 26_297_280;
/** The last minute three bytes hold (2051-11-25): later events share it. */
const DEDUP_MAX_MINUTE = 0xffffff;
/** Stored dedup value length: 3 bytes of minute + 8 bytes of hash (migration 0032; 16 before). */
export const DEDUP_BYTES = 11;

/** A key that already is a stored hash: an export's (16 hex since 0032, 24 before) or the collector's (64). */
const HEX_KEY = /^(?:[0-9a-f]{16}|[0-9a-f]{24,})$/i;

/**
 * Stored dedup value: 3 bytes of the event minute since 2020 (big-endian, clamped) + the first 8 bytes of the
 * collector's dedup hash. The time prefix keeps index inserts near the right edge of the B-tree (a random key
 * dirtied one page per event and halved ingest); exact redeliveries share the timestamp, so they still collide.
 * Two different events are only taken for one if they fall in the same minute and share 64 hash bits: with k
 * events in a minute that is ~k²/2^65, so even 100,000 events every minute for 30 years (1.6e7 minutes,
 * 1.6e12 events) expect ~4e-3 false duplicates (docs/design.md, "Decision 3: the dedup key"). Clamping only widens the first
 * and last bucket. A key of 17-23 hex characters (no cpamp source writes one) is hashed, as before 0032.
 */
export function dedupBytes(key: string, ts: number): Buffer {
  const out = Buffer.allocUnsafe(DEDUP_BYTES);
  const minute = Math.floor(ts / 60_000) - DEDUP_EPOCH_MINUTE;
  out.writeUIntBE(Math.min(Math.max(minute, 0), DEDUP_MAX_MINUTE), 0, 3);
  if (HEX_KEY.test(key)) out.write(key.slice(0, 16), 3, 'hex');
  else createHash('sha256').update(key).digest().copy(out, 3, 0, 8);
  return out;
}

/**
 * The hash part of a stored dedup value, what exports carry as dedupKey: 16 hex characters (a value still in
 * the 16-byte form of before 0032 gives the same 16).
 */
export function dedupKeyOf(stored: Buffer): string {
  const at = stored.length === 16 ? 4 : 3;
  return stored.toString('hex', at, at + 8);
}

const REQ_HEX = /^[0-9a-f]{8}$/;
export function encodeRequestId(id: string): [number | null, string | null] {
  if (id === '') return [null, null];
  if (REQ_HEX.test(id)) return [parseInt(id, 16), null];
  return [null, id];
}

export function decodeRequestId(req: number | null, text: string | null): string {
  if (req !== null) return req.toString(16).padStart(8, '0');
  return text ?? '';
}

export function qualityFlags(q: UsageEventInput['tokenQuality']): number {
  const i = QUALITIES.indexOf(q);
  return (i < 0 ? 0 : i) << QUALITY_SHIFT;
}

export function qualityOf(flags: number): UsageEventInput['tokenQuality'] {
  return QUALITIES[(flags >> QUALITY_SHIFT) & QUALITY_MASK]!;
}

const isCount = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Cheap structural checks on the hot path; the collector has already validated deeply. */
export function assertEvent(e: UsageEventInput, i: number): void {
  const bad = (field: string) => {
    throw new StoreError(
      'invalid_event',
      `Event #${i} (request ${String(e?.requestId)}) has an invalid "${field}"; events must be normalised by the collector (UsageEvent contract).`,
    );
  };
  if (!e || typeof e !== 'object') bad('event');
  if (typeof e.dedupKey !== 'string' || e.dedupKey === '') bad('dedupKey');
  if (!Number.isFinite(e.timestampMs)) bad('timestampMs');
  for (const f of [
    'inputTokens',
    'cacheReadTokens',
    'cacheCreationTokens',
    'outputTokens',
    'reasoningTokens',
    'unclassifiedTokens',
    'latencyMs',
    'ttftMs',
  ] as const) {
    if (!isCount(e[f])) bad(f);
  }
}

export interface EventRow {
  id: number;
  ts: number;
  dedup: Buffer;
  req: number | null;
  req_text: string | null;
  key_id: number;
  account_id: number;
  model_id: number;
  alias_id: number;
  provider_id: number;
  endpoint_id: number;
  executor_id: number;
  auth_type_id: number;
  source_id: number;
  ip_id: number;
  ua_id: number;
  effort_id: number;
  tier_id: number;
  resp_tier_id: number;
  status: number;
  flags: number;
  latency: number;
  ttft: number;
  input: number;
  cache_read: number;
  cache_creation: number;
  output: number;
  reasoning: number;
  unclassified: number;
  cost: number | null;
  price_ver: number;
  /** Absent in rows read before migration 0016's column was selected. */
  upstream_id?: number;
  fail_body?: string | null;
  headers?: string | null;
  /** The row's `header_set.names` (header-codec.ts): NULL when `headers` is JSON text. */
  header_names?: string | null;
}

/** The id → name lookups decodeEvent needs (the SQLite DictionaryCache, or names loaded for a Postgres page). */
export interface EventNames {
  name(table: SimpleDictionary, id: number): string;
  key(id: number): Pick<KeyEntry, 'hash' | 'label'> | undefined;
  authIndex(id: number): string;
}

export function decodeEvent(r: EventRow, d: EventNames): StoredEvent {
  const key = r.key_id ? d.key(r.key_id) : undefined;
  const total = r.input + r.cache_read + r.cache_creation + r.output + r.reasoning + r.unclassified;
  const e: StoredEvent = {
    id: r.id,
    dedupKey: dedupKeyOf(r.dedup),
    requestId: decodeRequestId(r.req, r.req_text),
    timestampMs: r.ts,
    provider: d.name('provider', r.provider_id),
    executorType: d.name('label', r.executor_id),
    model: d.name('model', r.model_id),
    alias: d.name('model', r.alias_id),
    endpoint: d.name('endpoint', r.endpoint_id),
    authType: d.name('label', r.auth_type_id),
    authIndex: d.authIndex(r.account_id),
    source: d.name('label', r.source_id),
    apiKeyHash: key?.hash ?? '',
    apiKeyLabel: key?.label ?? '',
    clientIp: d.name('client_ip', r.ip_id),
    userAgent: d.name('user_agent', r.ua_id),
    failed: (r.flags & FLAG_FAILED) !== 0,
    statusCode: r.status,
    failBody: r.fail_body ?? '',
    latencyMs: r.latency,
    ttftMs: r.ttft,
    reasoningEffort: d.name('label', r.effort_id),
    serviceTier: d.name('label', r.tier_id),
    responseServiceTier: d.name('label', r.resp_tier_id),
    generate: (r.flags & FLAG_GENERATE) !== 0,
    ...rowTokens(r),
    totalTokens: total,
    tokenQuality: qualityOf(r.flags),
    costMicros: r.cost,
    priceVersion: r.price_ver,
    priceMissing: (r.flags & FLAG_PRICE_MISSING) !== 0,
    costEstimated: (r.flags & FLAG_COST_ESTIMATED) !== 0,
    upstream: r.upstream_id ? d.name('upstream', r.upstream_id) || DEFAULT_UPSTREAM : DEFAULT_UPSTREAM,
  };
  const headers = unpackHeaders(r.headers, r.header_names);
  if (headers) e.rateLimitHeaders = headers;
  return e;
}
