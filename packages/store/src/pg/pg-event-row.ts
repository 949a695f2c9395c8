import { sql, type RawBuilder } from 'kysely';
import type { SimpleDictionary } from '../dictionary/dictionary-cache';
import {
  FLAG_COST_ESTIMATED,
  FLAG_FAILED,
  FLAG_GENERATE,
  FLAG_PRICE_MISSING,
  decodeRequestId,
  dedupKeyOf,
  qualityOf,
} from '../events/event-codec';
import type { StoredEvent } from '../types';
import { rows, type PgExec } from './pg-connection';

export interface PgEventRow {
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
  fail_body: string | null;
  headers: string | null;
}

/**
 * SELECT … FROM events e (+ its extra payload); append WHERE / ORDER BY / LIMIT. Names are resolved
 * afterwards by PgNames: joining all 15 dictionary tables here cost ~100 ms of planning per query.
 */
export const EVENT_SELECT = sql`SELECT e.*, x.fail_body, x.headers
  FROM events e LEFT JOIN event_extra x ON x.event_id = e.id`;

const SIMPLE_COLS: [SimpleDictionary, (keyof PgEventRow)[]][] = [
  ['model', ['model_id', 'alias_id']],
  ['provider', ['provider_id']],
  ['endpoint', ['endpoint_id']],
  ['client_ip', ['ip_id']],
  ['user_agent', ['ua_id']],
  ['label', ['executor_id', 'auth_type_id', 'source_id', 'effort_id', 'tier_id', 'resp_tier_id']],
];

/**
 * id → name for the event dictionaries. Dictionary names never change once written, so they are
 * cached; key labels and auth indexes are read fresh for each page (labels do change).
 */
export class PgNames {
  private readonly simple = new Map<SimpleDictionary, Map<number, string>>();

  private map(t: SimpleDictionary): Map<number, string> {
    let m = this.simple.get(t);
    if (!m) {
      m = new Map();
      this.simple.set(t, m);
    }
    return m;
  }

  /** Decodes rows, loading every missing name in one query. */
  async decode(exec: PgExec, found: readonly PgEventRow[]): Promise<StoredEvent[]> {
    if (found.length === 0) return [];
    const parts: RawBuilder<unknown>[] = [];
    for (const [t, cols] of SIMPLE_COLS) {
      const m = this.map(t);
      const missing = [...new Set(found.flatMap((r) => cols.map((c) => r[c] as number)))].filter(
        (id) => !m.has(id),
      );
      if (missing.length)
        parts.push(
          sql`SELECT ${t}::text AS t, id, name AS a, NULL::text AS b FROM ${sql.table(t)} WHERE id = ANY(${missing}::int[])`,
        );
    }
    const keyIds = [...new Set(found.map((r) => r.key_id))];
    const accIds = [...new Set(found.map((r) => r.account_id))];
    parts.push(
      sql`SELECT 'api_key'::text AS t, id, hash AS a, label AS b FROM api_key WHERE id = ANY(${keyIds}::int[])`,
    );
    parts.push(
      sql`SELECT 'account'::text AS t, id, auth_index AS a, NULL::text AS b FROM account WHERE id = ANY(${accIds}::int[])`,
    );
    const keys = new Map<number, { hash: string; label: string }>();
    const accounts = new Map<number, string>();
    for (const r of await rows(
      exec,
      sql<{ t: string; id: number; a: string; b: string | null }>`${sql.join(parts, sql` UNION ALL `)}`,
    )) {
      if (r.t === 'api_key') keys.set(r.id, { hash: r.a, label: r.b ?? '' });
      else if (r.t === 'account') accounts.set(r.id, r.a);
      else this.map(r.t as SimpleDictionary).set(r.id, r.a);
    }
    const name = (t: SimpleDictionary, id: number) => this.map(t).get(id) ?? '';
    return found.map((r) => {
      const key = keys.get(r.key_id);
      const e: StoredEvent = {
        id: r.id,
        dedupKey: dedupKeyOf(r.dedup),
        requestId: decodeRequestId(r.req, r.req_text),
        timestampMs: r.ts,
        provider: name('provider', r.provider_id),
        executorType: name('label', r.executor_id),
        model: name('model', r.model_id),
        alias: name('model', r.alias_id),
        endpoint: name('endpoint', r.endpoint_id),
        authType: name('label', r.auth_type_id),
        authIndex: accounts.get(r.account_id) ?? '',
        source: name('label', r.source_id),
        apiKeyHash: key?.hash ?? '',
        apiKeyLabel: key?.label ?? '',
        clientIp: name('client_ip', r.ip_id),
        userAgent: name('user_agent', r.ua_id),
        failed: (r.flags & FLAG_FAILED) !== 0,
        statusCode: r.status,
        failBody: r.fail_body ?? '',
        latencyMs: r.latency,
        ttftMs: r.ttft,
        reasoningEffort: name('label', r.effort_id),
        serviceTier: name('label', r.tier_id),
        responseServiceTier: name('label', r.resp_tier_id),
        generate: (r.flags & FLAG_GENERATE) !== 0,
        inputTokens: r.input,
        cacheReadTokens: r.cache_read,
        cacheCreationTokens: r.cache_creation,
        outputTokens: r.output,
        reasoningTokens: r.reasoning,
        unclassifiedTokens: r.unclassified,
        totalTokens: r.input + r.cache_read + r.cache_creation + r.output + r.reasoning + r.unclassified,
        tokenQuality: qualityOf(r.flags),
        costMicros: r.cost,
        priceVersion: r.price_ver,
        priceMissing: (r.flags & FLAG_PRICE_MISSING) !== 0,
        costEstimated: (r.flags & FLAG_COST_ESTIMATED) !== 0,
      };
      if (r.headers) e.rateLimitHeaders = JSON.parse(r.headers) as Record<string, string>;
      return e;
    });
  }
}
