import type Database from 'better-sqlite3';
import { BLOCK_SHIFT, COMBO_WIDTH, type ColumnCache } from '../analytics/column-cache';
import type { DictionaryCache } from '../dictionary/dictionary-cache';
import type { EventNames } from '../events/event-codec';
import { FLAG_CACHE_HAS_REQ, FLAG_FAILED } from '../events/event-flags';
import { analyticsModel } from '../prices/model-match';
import { ByteWriter } from './byte-writer';

export interface UsagePayloadOptions {
  from: number;
  to: number;
  /** Most recent N events only (USAGE_QUERY_LIMIT); unlimited when unset. */
  limit?: number;
  /** Only events of these CPAs (upstream names); every CPA when unset or empty. */
  upstream?: string | readonly string[];
}

/**
 * The upstream ids a payload keeps: null for every CPA, else the ids of the named CPAs that exist (an empty
 * list when none does: the payload is then empty).
 */
export function upstreamIdsOf(o: UsagePayloadOptions, find: (name: string) => number | undefined): number[] | null {
  const names = typeof o.upstream === 'string' ? [o.upstream] : (o.upstream ?? []);
  if (names.length === 0) return null;
  return names.map(find).filter((id): id is number => id !== undefined);
}

/**
 * The selected events (newest first) as plain columns: filled from the warm column cache, or from one
 * SQL read when it is cold. The label ids that the cache interns as a combo are kept as a combo id here
 * too (SQL rows get combos from a local table).
 */
export interface Selection {
  n: number;
  ts: Float64Array;
  id: Float64Array;
  /** Numeric request id, or -1 (then reqText may hold a non-hex id). */
  req: Float64Array;
  latency: Uint32Array;
  ttft: Uint32Array;
  key: Uint32Array;
  account: Uint32Array;
  model: Uint32Array;
  provider: Uint32Array;
  combo: Uint32Array;
  source: Uint32Array;
  status: Uint32Array;
  failed: Uint8Array;
  input: Float64Array;
  cacheRead: Float64Array;
  cacheCreation: Float64Array;
  output: Float64Array;
  reasoning: Float64Array;
  unclassified: Float64Array;
  /** combo c → [alias, endpoint, executor, effort, tier, respTier] */
  comboIds: ArrayLike<number>;
  reqText: Map<number, string>;
}

function allocSelection(n: number, comboIds: ArrayLike<number>): Selection {
  return {
    n,
    ts: new Float64Array(n),
    id: new Float64Array(n),
    req: new Float64Array(n),
    latency: new Uint32Array(n),
    ttft: new Uint32Array(n),
    key: new Uint32Array(n),
    account: new Uint32Array(n),
    model: new Uint32Array(n),
    provider: new Uint32Array(n),
    combo: new Uint32Array(n),
    source: new Uint32Array(n),
    status: new Uint32Array(n),
    failed: new Uint8Array(n),
    input: new Float64Array(n),
    cacheRead: new Float64Array(n),
    cacheCreation: new Float64Array(n),
    output: new Float64Array(n),
    reasoning: new Float64Array(n),
    unclassified: new Float64Array(n),
    comboIds,
    reqText: new Map(),
  };
}

/** Newest-first (ts, id) selection straight from the column cache: no SQL, no per-event objects. */
function selectFromCache(c: ColumnCache, db: Database.Database, o: UsagePayloadOptions, ups: number[] | null): Selection {
  const { ts, id } = c;
  const hits: number[] = [];
  const keep = ups === null ? null : new Set(ups);
  const up = c.upstream;
  const nBlocks = (c.n + (1 << BLOCK_SHIFT) - 1) >> BLOCK_SHIFT;
  for (let b = 0; b < nBlocks; b++) {
    if (c.blockMax[b]! < o.from || c.blockMin[b]! >= o.to) continue;
    const end = Math.min(c.n, (b + 1) << BLOCK_SHIFT);
    for (let i = b << BLOCK_SHIFT; i < end; i++) {
      const t = ts[i]!;
      if (t >= o.from && t < o.to && (keep === null || keep.has(up[i]!))) hits.push(i);
    }
  }
  // Rows are in id order and nearly in time order: the (TimSort) sort is close to linear.
  hits.sort((a, b) => ts[b]! - ts[a]! || id[b]! - id[a]!);
  const n = o.limit !== undefined && o.limit > 0 ? Math.min(hits.length, Math.floor(o.limit)) : hits.length;
  const s = allocSelection(n, c.comboIds);
  let textLo = Infinity;
  let textHi = -Infinity;
  for (let j = 0; j < n; j++) {
    const i = hits[j]!;
    s.ts[j] = ts[i]!;
    s.id[j] = id[i]!;
    const f = c.flags[i]!;
    if ((f & FLAG_CACHE_HAS_REQ) !== 0) s.req[j] = c.req[i]!;
    else {
      s.req[j] = -1;
      if (id[i]! < textLo) textLo = id[i]!;
      if (id[i]! > textHi) textHi = id[i]!;
    }
    s.failed[j] = f & FLAG_FAILED;
    s.latency[j] = c.latency[i]!;
    s.ttft[j] = c.ttft[i]!;
    s.key[j] = c.key[i]!;
    s.account[j] = c.account[i]!;
    s.model[j] = c.model[i]!;
    s.provider[j] = c.provider[i]!;
    s.combo[j] = c.combo[i]!;
    s.source[j] = c.source[i]!;
    s.status[j] = c.status[i]!;
    s.input[j] = c.input[i]!;
    s.cacheRead[j] = c.cacheRead[i]!;
    s.cacheCreation[j] = c.cacheCreation[i]!;
    s.output[j] = c.output[i]!;
    s.reasoning[j] = c.reasoning[i]!;
    s.unclassified[j] = c.unclassified[i]!;
  }
  // Non-hex request ids are rare: one read over their partial index covers the whole selection.
  if (textLo <= textHi) {
    for (const [rid, text] of db
      .prepare(
        'SELECT id, req_text FROM events INDEXED BY events_req_text WHERE req_text IS NOT NULL AND id BETWEEN ? AND ?',
      )
      .raw()
      .all(textLo, textHi) as [number, string][])
      s.reqText.set(rid, text);
  }
  return s;
}

/** The events columns a payload row needs, in the order selectionFromRows reads them. */
export const USAGE_ROW_COLUMNS = `ts, id, req, req_text, latency, ttft, key_id, account_id, model_id, provider_id, status, flags,
         input, cache_read, cache_creation, output, reasoning, unclassified,
         alias_id, endpoint_id, source_id, executor_id, effort_id, tier_id, resp_tier_id`;

/** The same selection with one SQL read (cache cold or disabled). */
function selectFromSql(db: Database.Database, o: UsagePayloadOptions, ups: number[] | null): Selection {
  const limit = o.limit !== undefined && o.limit > 0 ? `LIMIT ${Math.floor(o.limit)}` : '';
  const byUpstream = ups === null ? '' : ` AND upstream_id IN (${ups.map(() => '?').join(',')})`;
  const rows = db
    .prepare(
      `SELECT ${USAGE_ROW_COLUMNS} FROM events WHERE ts >= ? AND ts < ?${byUpstream} ORDER BY ts DESC, id DESC ${limit}`,
    )
    .raw()
    .all(o.from, o.to, ...(ups ?? [])) as (number | string | null)[][];
  return selectionFromRows(rows);
}

/** Rows of USAGE_ROW_COLUMNS (as arrays, newest first) as a selection; either dialect's SQL read. */
export function selectionFromRows(rows: readonly (number | string | null)[][]): Selection {
  const comboIds: number[] = [];
  const comboIndex = new Map<string, number>();
  const s = allocSelection(rows.length, comboIds);
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j] as number[];
    s.ts[j] = r[0]!;
    s.id[j] = r[1]!;
    const req = r[2] as number | null;
    s.req[j] = req ?? -1;
    const text = (rows[j]![3] as string | null) ?? null;
    if (req === null && text !== null) s.reqText.set(r[1]!, text);
    s.latency[j] = r[4]!;
    s.ttft[j] = r[5]!;
    s.key[j] = r[6]!;
    s.account[j] = r[7]!;
    s.model[j] = r[8]!;
    s.provider[j] = r[9]!;
    s.status[j] = r[10]!;
    s.failed[j] = r[11]! & FLAG_FAILED;
    s.input[j] = r[12]!;
    s.cacheRead[j] = r[13]!;
    s.cacheCreation[j] = r[14]!;
    s.output[j] = r[15]!;
    s.reasoning[j] = r[16]!;
    s.unclassified[j] = r[17]!;
    s.source[j] = r[20]!;
    const k = `${r[18]},${r[19]},${r[21]},${r[22]},${r[23]},${r[24]}`;
    let c = comboIndex.get(k);
    if (c === undefined) {
      c = comboIds.length / COMBO_WIDTH;
      comboIds.push(r[18]!, r[19]!, r[21]!, r[22]!, r[23]!, r[24]!);
      comboIndex.set(k, c);
    }
    s.combo[j] = c;
  }
  return s;
}

const DAY = 86_400_000;

const CHUNK_BYTES = 1 << 18;

/**
 * CPA's legacy `/usage` snapshot (apis = endpoint → models = analytics model → details[], newest
 * first), streamed in ~256 KB chunks. Served from the warm column cache when there is one (no SQL
 * rows, no per-event objects: each dictionary value is JSON-escaped and UTF-8 encoded once per
 * payload, and details are written as bytes), else from a single SQL read.
 */
export async function* buildUsagePayloadBytes(
  reader: () => Database.Database,
  dict: DictionaryCache,
  opts: UsagePayloadOptions,
  cache?: () => ColumnCache | null,
): AsyncGenerator<Buffer> {
  const warm = cache?.() ?? null;
  const c = warm?.covers(opts.from) ? warm : null;
  const ups = upstreamIdsOf(opts, (name) => dict.find('upstream', name));
  if (ups !== null && ups.length === 0) {
    yield* writeUsagePayload(allocSelection(0, []), dict);
    return;
  }
  yield* writeUsagePayload(c ? selectFromCache(c, reader(), opts, ups) : selectFromSql(reader(), opts, ups), dict);
}

/**
 * The dialect-neutral writer: one selection (newest first) as the payload bytes. `dict` must know every id
 * the selection holds.
 */
export async function* writeUsagePayload(s: Selection, dict: EventNames): AsyncGenerator<Buffer> {
  const W = COMBO_WIDTH;
  const cids = s.comboIds;

  // Group: endpoint → analytics model (of the requested alias), per combo computed once.
  const groupOfCombo = new Map<number, number>();
  const groupNames: [string, string][] = [];
  const groupIndex = new Map<string, number>();
  const rowGroup = new Uint32Array(s.n);
  let failures = 0;
  let tokens = 0;
  const rowTokens = new Float64Array(s.n);
  for (let j = 0; j < s.n; j++) {
    const cb = s.combo[j]!;
    let g = groupOfCombo.get(cb);
    if (g === undefined) {
      const ep = dict.name('endpoint', cids[cb * W + 1]!) || '-';
      const model = analyticsModel(dict.name('model', cids[cb * W]!)) || '-';
      const k = `${ep}\u0000${model}`;
      g = groupIndex.get(k);
      if (g === undefined) {
        g = groupNames.length;
        groupNames.push([ep, model]);
        groupIndex.set(k, g);
      }
      groupOfCombo.set(cb, g);
    }
    rowGroup[j] = g;
    const t =
      s.input[j]! +
      s.cacheRead[j]! +
      s.cacheCreation[j]! +
      s.output[j]! +
      s.reasoning[j]! +
      s.unclassified[j]!;
    rowTokens[j] = t;
    tokens += t;
    failures += s.failed[j]!;
  }
  const gCount = new Float64Array(groupNames.length);
  const gTokens = new Float64Array(groupNames.length);
  for (let j = 0; j < s.n; j++) {
    const g = rowGroup[j]!;
    gCount[g] = gCount[g]! + 1;
    gTokens[g] = gTokens[g]! + rowTokens[j]!;
  }
  // Rows per group, in selection (newest-first) order.
  const gStart = new Uint32Array(groupNames.length + 1);
  for (let g = 0; g < groupNames.length; g++) gStart[g + 1] = gStart[g]! + gCount[g]!;
  const order = new Uint32Array(s.n);
  const fill = gStart.slice(0, groupNames.length);
  for (let j = 0; j < s.n; j++) order[fill[rowGroup[j]!]!++] = j;

  yield Buffer.from(
    `{"total_requests":${s.n},"success_count":${s.n - failures},"failure_count":${failures},"total_tokens":${tokens},"apis":{`,
  );

  // Per-payload memo of each dictionary value as escaped JSON bytes, by id.
  const w = new ByteWriter(CHUNK_BYTES + 4096);
  const enc = (t: string) => w.encode(t);
  const memo = (make: (id: number) => string) => {
    const m: (Buffer | undefined)[] = [];
    return (id: number) => m[id] ?? (m[id] = enc(make(id)));
  };
  const accountB = memo((id) => `"auth_index":${JSON.stringify(dict.authIndex(id))},`);
  const keyB = memo((id) => `"api_key_hash":${JSON.stringify(id ? (dict.key(id)?.hash ?? '') : '')},`);
  const providerB = memo((id) => `"provider":${JSON.stringify(dict.name('provider', id))},`);
  const modelB = memo((id) => `"resolved_model":${JSON.stringify(dict.name('model', id))},`);
  const label = (id: number) => JSON.stringify(dict.name('label', id));
  const sourceB = memo((id) => `"source":${label(id)},`);
  const comboB = memo(
    (cb) =>
      `"executor_type":${label(cids[cb * W + 2]!)},` +
      `"requested_model":${JSON.stringify(dict.name('model', cids[cb * W]!))},` +
      `"reasoning_effort":${label(cids[cb * W + 3]!)},"service_tier":${label(cids[cb * W + 4]!)},` +
      `"response_service_tier":${label(cids[cb * W + 5]!)},`,
  );
  const days = new Map<number, Buffer>();
  const P = {
    open: enc('{"timestamp":"'),
    rid: enc('","request_id":'),
    lat: enc(',"latency_ms":'),
    ttft: enc(',"ttft_ms":'),
    failedTrue: enc('"failed":true,"fail_status_code":'),
    failedFalse: enc('"failed":false,'),
    tokIn: enc('"tokens":{"input_tokens":'),
    tokOut: enc(',"output_tokens":'),
    tokReason: enc(',"reasoning_tokens":'),
    tokCached: enc(',"cached_tokens":'),
    tokRead: enc(',"cache_read_tokens":'),
    tokCreate: enc(',"cache_creation_tokens":'),
    tokTotal: enc(',"total_tokens":'),
    close: enc('}}'),
  };
  const HEX = Buffer.from('0123456789abcdef');
  const two = (v: number) => {
    w.buf[w.pos++] = 48 + ((v / 10) | 0);
    w.buf[w.pos++] = 48 + (v % 10);
  };
  const iso = (ts: number) => {
    if (!(ts >= 0 && ts < 253_402_300_800_000)) {
      w.ascii(new Date(ts).toISOString());
      return;
    }
    const d = Math.floor(ts / DAY);
    let p = days.get(d);
    if (p === undefined) days.set(d, (p = enc(new Date(d * DAY).toISOString().slice(0, 11))));
    w.bytes(p);
    w.ascii('00:00:00.000Z'); // reserves the bytes, overwritten below
    w.pos -= 13;
    let r = ts - d * DAY;
    const ms = r % 1000;
    r = (r - ms) / 1000;
    const sec = r % 60;
    r = (r - sec) / 60;
    const min = r % 60;
    two((r - min) / 60);
    w.pos++;
    two(min);
    w.pos++;
    two(sec);
    w.pos++;
    w.buf[w.pos++] = 48 + ((ms / 100) | 0);
    two(ms % 100);
    w.pos++;
  };

  const byEp = new Map<string, number[]>();
  for (let g = 0; g < groupNames.length; g++) {
    const ep = groupNames[g]![0];
    let l = byEp.get(ep);
    if (!l) byEp.set(ep, (l = []));
    l.push(g);
  }
  let chunks = 0;
  let firstApi = true;
  for (const ep of [...byEp.keys()].sort()) {
    const gs = byEp.get(ep)!.sort((a, b) => (groupNames[a]![1] < groupNames[b]![1] ? -1 : 1));
    let apiReq = 0;
    let apiTok = 0;
    for (const g of gs) {
      apiReq += gCount[g]!;
      apiTok += gTokens[g]!;
    }
    w.bytes(
      enc(
        `${firstApi ? '' : ','}${JSON.stringify(ep)}:{"total_requests":${apiReq},"total_tokens":${apiTok},"models":{`,
      ),
    );
    firstApi = false;
    let firstModel = true;
    for (const g of gs) {
      w.bytes(
        enc(
          `${firstModel ? '' : ','}${JSON.stringify(groupNames[g]![1])}:{"total_requests":${gCount[g]},"total_tokens":${gTokens[g]},"details":[`,
        ),
      );
      firstModel = false;
      for (let k = gStart[g]!; k < gStart[g + 1]!; k++) {
        const j = order[k]!;
        if (k !== gStart[g]) w.ascii(',');
        w.bytes(P.open);
        iso(s.ts[j]!);
        w.bytes(P.rid);
        const req = s.req[j]!;
        if (req >= 0) {
          w.ascii('"00000000"');
          const b = w.buf;
          let p = w.pos - 2;
          for (let v = req, n = 0; n < 8; n++, v = Math.floor(v / 16)) b[p--] = HEX[v % 16]!;
        } else w.bytes(enc(JSON.stringify(s.reqText.get(s.id[j]!) ?? '')));
        w.bytes(P.lat);
        w.uint(s.latency[j]!);
        w.bytes(P.ttft);
        w.uint(s.ttft[j]!);
        w.ascii(',');
        w.bytes(accountB(s.account[j]!));
        w.bytes(keyB(s.key[j]!));
        w.bytes(providerB(s.provider[j]!));
        w.bytes(modelB(s.model[j]!));
        w.bytes(sourceB(s.source[j]!));
        w.bytes(comboB(s.combo[j]!));
        if (s.failed[j] === 1) {
          w.bytes(P.failedTrue);
          w.uint(s.status[j]!);
          w.ascii(',');
        } else w.bytes(P.failedFalse);
        // Legacy semantics: input includes cached tokens, output includes reasoning.
        w.bytes(P.tokIn);
        w.uint(s.input[j]! + s.cacheRead[j]! + s.cacheCreation[j]!);
        w.bytes(P.tokOut);
        w.uint(s.output[j]! + s.reasoning[j]!);
        w.bytes(P.tokReason);
        w.uint(s.reasoning[j]!);
        w.bytes(P.tokCached);
        w.uint(s.cacheRead[j]!);
        w.bytes(P.tokRead);
        w.uint(s.cacheRead[j]!);
        w.bytes(P.tokCreate);
        w.uint(s.cacheCreation[j]!);
        w.bytes(P.tokTotal);
        w.uint(rowTokens[j]!);
        w.bytes(P.close);
        if (w.length >= CHUNK_BYTES) {
          yield w.takeBytes();
          // Let other requests in now and then while a big payload is built.
          if (++chunks % 8 === 0) await new Promise<void>((r) => setImmediate(r));
        }
      }
      w.ascii(']}');
    }
    w.ascii('}}');
  }
  w.ascii('}}');
  yield w.takeBytes();
}
