import type Database from 'better-sqlite3';
import type { DictionaryCache } from '../dictionary/dictionary-cache';
import { FLAG_FAILED, decodeRequestId, type EventRow } from '../events/event-codec';
import { analyticsModel } from '../prices/model-match';

export interface UsagePayloadOptions {
  from: number;
  to: number;
  /** Most recent N events only (USAGE_QUERY_LIMIT); unlimited when unset. */
  limit?: number;
}

/** Builds detail JSON straight from rows, escaping each dictionary value once per payload. */
function detailBuilder(dict: DictionaryCache): (r: EventRow) => string {
  const memo = new Map<string, string>();
  const q = (table: 'model' | 'provider' | 'label', id: number) => {
    const k = `${table}:${id}`;
    let v = memo.get(k);
    if (v === undefined) memo.set(k, (v = JSON.stringify(dict.name(table, id))));
    return v;
  };
  const other = (k: string, make: () => string) => {
    let v = memo.get(k);
    if (v === undefined) memo.set(k, (v = JSON.stringify(make())));
    return v;
  };
  return (r) => {
    const failed = (r.flags & FLAG_FAILED) !== 0;
    const input = r.input + r.cache_read + r.cache_creation;
    const total = input + r.output + r.reasoning + r.unclassified;
    // Legacy semantics: input includes cached tokens, output includes reasoning.
    return (
      `{"timestamp":"${new Date(r.ts).toISOString()}","request_id":${JSON.stringify(decodeRequestId(r.req, r.req_text))},` +
      `"latency_ms":${r.latency},"ttft_ms":${r.ttft},"source":${q('label', r.source_id)},` +
      `"auth_index":${other(`a:${r.account_id}`, () => dict.authIndex(r.account_id))},` +
      `"api_key_hash":${other(`k:${r.key_id}`, () => (r.key_id ? (dict.key(r.key_id)?.hash ?? '') : ''))},` +
      `"provider":${q('provider', r.provider_id)},"executor_type":${q('label', r.executor_id)},` +
      `"requested_model":${q('model', r.alias_id)},"resolved_model":${q('model', r.model_id)},` +
      `"reasoning_effort":${q('label', r.effort_id)},"service_tier":${q('label', r.tier_id)},` +
      `"response_service_tier":${q('label', r.resp_tier_id)},"failed":${failed},` +
      (failed ? `"fail_status_code":${r.status},` : '') +
      `"tokens":{"input_tokens":${input},"output_tokens":${r.output + r.reasoning},"reasoning_tokens":${r.reasoning},` +
      `"cached_tokens":${r.cache_read},"cache_read_tokens":${r.cache_read},"cache_creation_tokens":${r.cache_creation},` +
      `"total_tokens":${total}}}`
    );
  };
}

/**
 * CPA's legacy `/usage` snapshot (apis = endpoint → models = analytics model → details[], newest
 * first), streamed: the ordered ids are read first (bounded by `limit`), then details are fetched
 * in batches of 1,024 so no read transaction stays open while the client downloads.
 */
export async function* buildUsagePayload(
  reader: () => Database.Database,
  dict: DictionaryCache,
  opts: UsagePayloadOptions,
): AsyncGenerator<string> {
  const limit = opts.limit !== undefined && opts.limit > 0 ? `LIMIT ${Math.floor(opts.limit)}` : '';
  const rows = reader()
    .prepare(
      `SELECT id, endpoint_id, alias_id, flags & 1, input + cache_read + cache_creation + output + reasoning + unclassified
       FROM events WHERE ts >= ? AND ts < ? ORDER BY ts DESC, id DESC ${limit}`,
    )
    .raw()
    .all(opts.from, opts.to) as number[][];
  const groupKey = (r: number[]) => {
    const ep = dict.name('endpoint', r[1]!) || '-';
    const model = analyticsModel(dict.name('model', r[2]!)) || '-';
    return [ep, model] as const;
  };
  let failures = 0;
  let tokens = 0;
  const groups = new Map<string, Map<string, { ids: number[]; tokens: number }>>();
  for (const r of rows) {
    failures += r[3]!;
    tokens += r[4]!;
    const [ep, model] = groupKey(r);
    let g = groups.get(ep);
    if (!g) groups.set(ep, (g = new Map()));
    let m = g.get(model);
    if (!m) g.set(model, (m = { ids: [], tokens: 0 }));
    m.ids.push(r[0]!);
    m.tokens += r[4]!;
  }
  yield `{"total_requests":${rows.length},"success_count":${rows.length - failures},"failure_count":${failures},"total_tokens":${tokens},"apis":{`;
  const detail = detailBuilder(dict);
  let firstApi = true;
  for (const ep of [...groups.keys()].sort()) {
    const models = groups.get(ep)!;
    let apiReq = 0;
    let apiTok = 0;
    for (const m of models.values()) {
      apiReq += m.ids.length;
      apiTok += m.tokens;
    }
    yield `${firstApi ? '' : ','}${JSON.stringify(ep)}:{"total_requests":${apiReq},"total_tokens":${apiTok},"models":{`;
    firstApi = false;
    let firstModel = true;
    for (const model of [...models.keys()].sort()) {
      const m = models.get(model)!;
      yield `${firstModel ? '' : ','}${JSON.stringify(model)}:{"total_requests":${m.ids.length},"total_tokens":${m.tokens},"details":[`;
      firstModel = false;
      let firstDetail = true;
      for (let i = 0; i < m.ids.length; i += 1024) {
        const ids = m.ids.slice(i, i + 1024);
        const byId = new Map<number, EventRow>();
        for (const r of reader()
          .prepare(`SELECT * FROM events WHERE id IN (${ids.join(',')})`)
          .all() as EventRow[])
          byId.set(r.id, r);
        const parts: string[] = [];
        for (const id of ids) {
          const r = byId.get(id);
          if (r) parts.push(detail(r));
        }
        if (parts.length) {
          yield (firstDetail ? '' : ',') + parts.join(',');
          firstDetail = false;
        }
        await new Promise<void>((r) => setImmediate(r));
      }
      yield ']}';
    }
    yield '}}';
  }
  yield '}}';
}
