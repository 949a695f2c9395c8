import type Database from 'better-sqlite3';
import type { DictionaryCache, KeyEntry } from '../dictionary/dictionary-cache';
import type { EventNames, EventRow } from '../events/event-codec';
import { decodeRequestId, dedupKeyOf, qualityOf } from '../events/event-codec';
import { placeholders } from '../events/events.repository';
import { FLAG_FAILED, FLAG_GENERATE, FLAG_PRICE_MISSING, outcomeSql } from '../events/event-flags';
import { usdDecimal, zonedIso } from './export-units';
import { DEFAULT_UPSTREAM_ID } from '../events/event-upstream';
import { withAccountCpas } from '../analytics/account-on-cpa';
import { EXTRA_COLUMNS, EXTRA_JOIN, headersJsonWriter } from '../events/header-codec';

export interface ExportOptions {
  from?: number;
  to?: number;
  /** Same meaning as the event list's filters; an unknown name matches nothing. */
  apiKeyHash?: string | string[];
  authIndex?: string | string[];
  model?: string | string[];
  provider?: string | string[];
  /** The CPA (upstream name) events came from. */
  upstream?: string | string[];
  status?: 'success' | 'failure' | number;
  /** Rows per read (the reader is released between batches, so WAL checkpoints progress). */
  batchSize?: number;
  /** IANA zone: each line also gets `time`, the local time with its offset (default: none; timestampMs is UTC epoch ms). */
  timeZone?: string;
  onProgress?: (p: { exported: number }) => void;
}

/** The id → name lookups an export line needs (the SQLite DictionaryCache, or names loaded per chunk on Postgres). */
export interface ExportNames extends Omit<EventNames, 'key'> {
  key(id: number): Pick<KeyEntry, 'hash' | 'label' | 'alias'> | undefined;
}

/** Reads the next chunk of events after (lastTs, lastId) in (ts, id) order, each with its fail_body and headers. */
export type EventChunkRead = (lastTs: number, lastId: number, limit: number) => EventRow[] | Promise<EventRow[]>;

/**
 * One JSON line per event with every UsageEvent field (fixed key order) plus the stored cost
 * (`costMicros`, integer micro-dollars, and `cost_usd`, the same as a 6-place USD decimal), the key's
 * alias beside its masked label and, with a time zone, the local `time`. Built as a string with dictionary values escaped
 * once per export: the export is dominated by per-field work, and this avoids two objects per row.
 */
export function exportLineBuilder(dict: ExportNames, timeZone?: string): (r: EventRow) => string {
  const local = zonedIso();
  const headersJson = headersJsonWriter();
  const memo = new Map<string, string>();
  const q = (table: 'model' | 'provider' | 'endpoint' | 'client_ip' | 'user_agent' | 'label' | 'upstream', id: number) => {
    const k = `${table}:${id}`;
    let v = memo.get(k);
    if (v === undefined) memo.set(k, (v = JSON.stringify(dict.name(table, id))));
    return v;
  };
  const keyMemo = new Map<number, string>();
  const keyPart = (id: number) => {
    let v = keyMemo.get(id);
    if (v === undefined) {
      const k = id ? dict.key(id) : undefined;
      keyMemo.set(
        id,
        (v =
          `"apiKeyHash":${JSON.stringify(k?.hash ?? '')},"apiKeyLabel":${JSON.stringify(k?.label ?? '')},` +
          `"apiKeyAlias":${k?.alias ? JSON.stringify(k.alias) : 'null'}`),
      );
    }
    return v;
  };
  const accMemo = new Map<number, string>();
  const acc = (id: number) => {
    let v = accMemo.get(id);
    if (v === undefined) accMemo.set(id, (v = JSON.stringify(dict.authIndex(id))));
    return v;
  };
  return (r) => {
    const total = r.input + r.cache_read + r.cache_creation + r.output + r.reasoning + r.unclassified;
    const f = r.flags;
    const hdr = headersJson(r.headers, r.header_names);
    return (
      `{"dedupKey":"${dedupKeyOf(r.dedup)}","requestId":${JSON.stringify(decodeRequestId(r.req, r.req_text))},` +
      `"timestampMs":${r.ts},${timeZone ? `"time":"${local(r.ts, timeZone)}",` : ''}"provider":${q('provider', r.provider_id)},"executorType":${q('label', r.executor_id)},` +
      `"model":${q('model', r.model_id)},"alias":${q('model', r.alias_id)},"endpoint":${q('endpoint', r.endpoint_id)},` +
      `"authType":${q('label', r.auth_type_id)},"authIndex":${acc(r.account_id)},"source":${q('label', r.source_id)},` +
      `${keyPart(r.key_id)},"clientIp":${q('client_ip', r.ip_id)},"userAgent":${q('user_agent', r.ua_id)},` +
      `"failed":${(f & FLAG_FAILED) !== 0},"statusCode":${r.status},"failBody":${r.fail_body ? JSON.stringify(r.fail_body) : '""'},` +
      `"latencyMs":${r.latency},"ttftMs":${r.ttft},"reasoningEffort":${q('label', r.effort_id)},` +
      `"serviceTier":${q('label', r.tier_id)},"responseServiceTier":${q('label', r.resp_tier_id)},` +
      `"generate":${(f & FLAG_GENERATE) !== 0},"inputTokens":${r.input},"cacheReadTokens":${r.cache_read},` +
      `"cacheCreationTokens":${r.cache_creation},"outputTokens":${r.output},"reasoningTokens":${r.reasoning},` +
      `"unclassifiedTokens":${r.unclassified},"totalTokens":${total},"tokenQuality":"${qualityOf(f)}",` +
      (hdr ? `"rateLimitHeaders":${hdr},` : '') +
      `"costMicros":${r.cost === null ? 'null' : r.cost},"cost_usd":${usdDecimal(r.cost) ?? 'null'},` +
      `"priceMissing":${(f & FLAG_PRICE_MISSING) !== 0},"upstream":${q('upstream', r.upstream_id ?? DEFAULT_UPSTREAM_ID)}}`
    );
  };
}

/** Streams the JSONL export in (ts, id) order, keyset-paged; memory stays at one batch. */
export async function* exportJsonl(
  reader: () => Database.Database,
  dict: DictionaryCache,
  opts: ExportOptions = {},
): AsyncGenerator<string> {
  const to = opts.to ?? Number.MAX_SAFE_INTEGER;
  const where = filterSql(dict, opts);
  if (where === null) return;
  yield* exportLines(
    (lastTs, lastId, limit) =>
      reader()
        .prepare(
          `SELECT e.*, ${EXTRA_COLUMNS} FROM events e ${EXTRA_JOIN}
           WHERE e.ts >= ? AND e.ts < ? AND (e.ts > ? OR e.id > ?)${where.sql} ORDER BY e.ts, e.id LIMIT ${limit}`,
        )
        .all(lastTs, to, lastTs, lastId, ...where.params) as EventRow[],
    dict,
    opts,
  );
}

/**
 * The dialect-neutral export loop: keyset pages from `read` (which applies the filters and the `to` bound),
 * one string of lines per page. `names` must answer for every row `read` has returned so far.
 */
export async function* exportLines(
  read: EventChunkRead,
  names: ExportNames,
  opts: ExportOptions = {},
): AsyncGenerator<string> {
  const batch = opts.batchSize ?? 500;
  const line = exportLineBuilder(names, opts.timeZone);
  let lastTs = opts.from ?? Number.MIN_SAFE_INTEGER;
  let lastId = -1;
  let exported = 0;
  for (;;) {
    const rows = await read(lastTs, lastId, batch);
    if (rows.length === 0) break;
    let out = '';
    for (const r of rows) out += line(r) + '\n';
    const last = rows[rows.length - 1]!;
    lastTs = last.ts;
    lastId = last.id;
    exported += rows.length;
    opts.onProgress?.({ exported });
    yield out;
  }
}

/** Filter clauses over dictionary ids (resolved once) and their parameters; null when a filter names nothing that exists. */
function filterSql(dict: DictionaryCache, all: ExportOptions): { sql: string; params: number[] } | null {
  const opts = withAccountCpas(all);
  let sql = '';
  const params: number[] = [];
  const clause = (column: string, v: string | string[] | undefined, find: (name: string) => number | undefined): boolean => {
    if (v === undefined) return true;
    const names = Array.isArray(v) ? v : [v];
    if (names.length === 0) return true;
    const ids = names.map(find).filter((id): id is number => id !== undefined);
    if (ids.length === 0) return false;
    sql += ` AND ${column} IN (${placeholders(ids)})`;
    params.push(...ids);
    return true;
  };
  if (
    !clause('e.key_id', opts.apiKeyHash, (h) => dict.keyByHash(h)?.id) ||
    !clause('e.account_id', opts.authIndex, (a) => dict.findAccount(a)) ||
    !clause('e.model_id', opts.model, (m) => dict.find('model', m)) ||
    !clause('e.provider_id', opts.provider, (x) => dict.find('provider', x)) ||
    !clause('e.upstream_id', opts.upstream, (x) => dict.find('upstream', x))
  )
    return null;
  if (opts.status === 'success' || opts.status === 'failure')
    sql += ` AND ${outcomeSql(opts.status, { rollup: false, flags: 'e.flags' })}`;
  else if (typeof opts.status === 'number') {
    sql += ' AND e.status = ?';
    params.push(Math.trunc(opts.status));
  }
  return { sql, params };
}
