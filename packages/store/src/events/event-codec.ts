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

/**
 * Stored dedup value: 4 bytes of the event minute (big-endian) + the first 12 bytes of the
 * collector's dedup hash. The time prefix keeps index inserts near the right edge of the B-tree
 * (a random 16-byte key dirtied one page per event and halved ingest); exact redeliveries share
 * the timestamp, so they still collide, and 96 bits per minute make accidental collisions moot.
 */
export function dedupBytes(key: string, ts: number): Buffer {
  const out = Buffer.allocUnsafe(16);
  out.writeUInt32BE(Math.min(Math.max(Math.floor(ts / 60_000), 0), 0xffffffff), 0);
  if (/^[0-9a-f]{24,}$/i.test(key)) out.write(key.slice(0, 24), 4, 'hex');
  else createHash('sha256').update(key).digest().copy(out, 4, 0, 12);
  return out;
}

/** The hash part of a stored dedup value (what exports carry as dedupKey: 24 hex characters). */
export function dedupKeyOf(stored: Buffer): string {
  return stored.toString('hex', 4, 16);
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
