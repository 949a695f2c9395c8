import { sql } from 'kysely';
import type { Dim, ResolvedFilter } from '../analytics/aggregate';
import type {
  AnalyticsFilter,
  BreakdownBy,
  BreakdownRow,
  SeriesPoint,
  TokenTotals,
} from '../analytics/analytics.repository';
import type { TimeZones } from '../analytics/time-zone';
import { StoreError } from '../errors';
import { percentileFromHistogram } from '../events/latency-buckets';
import type { AnalyticsRepository } from '../repositories';
import { aggregatePg, type PgAggGroup, type PgAggSpec } from './pg-aggregate';
import { rows, type PgDb } from './pg-connection';

const asList = (v: string | string[] | undefined) =>
  v === undefined ? undefined : Array.isArray(v) ? v : [v];

const tokensOf = (x: PgAggGroup): TokenTotals => ({
  input: x.input,
  cacheRead: x.cacheRead,
  cacheCreation: x.cacheCreation,
  output: x.output,
  reasoning: x.reasoning,
  unclassified: x.unclassified,
  total: x.input + x.cacheRead + x.cacheCreation + x.output + x.reasoning + x.unclassified,
});
const totalOf = (x: PgAggGroup | undefined) => (x ? tokensOf(x).total : 0);

interface Names {
  name: string;
  label: string;
  alias: string | null;
  keyLabel: string;
}

/** Analytics in SQL over rollups + raw events (no column cache), same results as the SQLite store. */
export function createPgAnalyticsRepository(deps: {
  db: PgDb;
  zones: TimeZones;
  assertOpen: () => void;
}): AnalyticsRepository {
  const { db, zones } = deps;

  const idsOf = async (table: string, col: string, names: string[] | undefined) =>
    names === undefined
      ? undefined
      : (
          await rows(
            db,
            sql<{
              id: number;
            }>`SELECT id FROM ${sql.table(table)} WHERE ${sql.ref(col)} = ANY(${names}::text[])`,
          )
        ).map((r) => r.id);

  const resolve = async (f: AnalyticsFilter): Promise<ResolvedFilter> => {
    deps.assertOpen();
    if (!Number.isFinite(f.from) || !Number.isFinite(f.to) || f.to < f.from) {
      throw new StoreError(
        'invalid_query',
        `Invalid time range from=${f.from} to=${f.to}: both must be epoch ms with from <= to.`,
      );
    }
    const r: ResolvedFilter = { from: f.from, to: f.to };
    const k = await idsOf('api_key', 'hash', asList(f.apiKeyHash));
    if (k) r.keyIds = k;
    const a = await idsOf('account', 'auth_index', asList(f.authIndex));
    if (a) r.accountIds = a;
    const m = await idsOf('model', 'name', asList(f.model));
    if (m) r.modelIds = m;
    const p = await idsOf('provider', 'name', asList(f.provider));
    if (p) r.providerIds = p;
    if (f.status !== undefined) r.status = f.status;
    return r;
  };

  const run = (spec: PgAggSpec) => aggregatePg(db, spec);

  /** Display names of the ids of one dimension. */
  const namesOf = async (dim: Exclude<Dim, 'none' | 'time'>, ids: number[]): Promise<Map<number, Names>> => {
    const out = new Map<number, Names>();
    if (ids.length === 0) return out;
    if (dim === 'model' || dim === 'provider') {
      for (const r of await rows(
        db,
        sql<{
          id: number;
          name: string;
        }>`SELECT id, name FROM ${sql.table(dim)} WHERE id = ANY(${ids}::int[])`,
      ))
        out.set(r.id, { name: r.name, label: '', alias: null, keyLabel: '' });
    } else if (dim === 'key') {
      for (const r of await rows(
        db,
        sql<{ id: number; hash: string; label: string; alias: string | null }>`
          SELECT id, hash, label, alias FROM api_key WHERE id = ANY(${ids}::int[])`,
      ))
        out.set(r.id, { name: r.hash, label: r.alias ?? r.label, alias: r.alias, keyLabel: r.label });
    } else {
      for (const r of await rows(
        db,
        sql<{
          id: number;
          auth_index: string;
          email: string | null;
          label: string | null;
          file_name: string | null;
        }>`
          SELECT id, auth_index, email, label, file_name FROM account WHERE id = ANY(${ids}::int[])`,
      ))
        out.set(r.id, {
          name: r.auth_index,
          label: r.email || r.label || r.file_name || '',
          alias: null,
          keyLabel: '',
        });
    }
    return out;
  };
  const none: Names = { name: '', label: '', alias: null, keyLabel: '' };

  /** Groups with requests, most first; ties by id (the SQLite store's order). */
  const byCount = (groups: PgAggGroup[]) =>
    groups.filter((x) => x.n > 0).sort((a, b) => b.n - a.n || a.g - b.g);

  const repo: AnalyticsRepository = {
    engine: async () => 'sql',

    async totals(filter) {
      const r = await run({ filter: await resolve(filter), dim: 'none' });
      const x = r.groups[0];
      const requests = x?.n ?? 0;
      const failures = x?.failures ?? 0;
      return {
        requests,
        successes: requests - failures,
        failures,
        successRate: requests ? (requests - failures) / requests : null,
        tokens: x
          ? tokensOf(x)
          : { input: 0, cacheRead: 0, cacheCreation: 0, output: 0, reasoning: 0, unclassified: 0, total: 0 },
        costMicros: Math.round(x?.cost ?? 0),
        unpricedRequests: x?.unpriced ?? 0,
        source: r.source,
      };
    },

    async timeSeries(filter, opts) {
      const f = await resolve(filter);
      const buckets = zones.bucketMap(opts.timeZone ?? 'UTC', f.from, f.to, opts.granularity);
      const point = (b: number, x: Omit<PgAggGroup, 'g' | 'g2' | 'hist'> | undefined): SeriesPoint => ({
        label: buckets.labels[b]!,
        startMs: buckets.starts[b]!,
        requests: x?.n ?? 0,
        failures: x?.failures ?? 0,
        tokens: x ? x.input + x.cacheRead + x.cacheCreation + x.output + x.reasoning + x.unclassified : 0,
        costMicros: Math.round(x?.cost ?? 0),
      });
      const top = opts.splitTopModels ?? 0;
      const byModel: { model: string; points: SeriesPoint[] }[] = [];
      if (top <= 0) {
        const r = await run({ filter: f, dim: 'time', buckets });
        const at = new Map(r.groups.map((x) => [x.g, x]));
        return { points: buckets.labels.map((_, b) => point(b, at.get(b))), byModel, source: r.source };
      }
      // One query grouped by time × model gives the totals, the top models and their series.
      const r = await run({ filter: f, dim: 'time', dim2: 'model', buckets });
      const perTime = new Map<number, PgAggGroup>();
      const perModel = new Map<number, number>();
      const cell = new Map<string, PgAggGroup>();
      for (const x of r.groups) {
        if (x.n === 0) continue;
        cell.set(`${x.g}|${x.g2}`, x);
        perModel.set(x.g2, (perModel.get(x.g2) ?? 0) + x.n);
        const t = perTime.get(x.g);
        if (!t) perTime.set(x.g, { ...x });
        else {
          t.n += x.n;
          t.failures += x.failures;
          t.input += x.input;
          t.cacheRead += x.cacheRead;
          t.cacheCreation += x.cacheCreation;
          t.output += x.output;
          t.reasoning += x.reasoning;
          t.unclassified += x.unclassified;
          t.cost += x.cost;
          t.unpriced += x.unpriced;
        }
      }
      const points = buckets.labels.map((_, b) => point(b, perTime.get(b)));
      const order = [...perModel]
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .slice(0, top)
        .map((x) => x[0]);
      const names = await namesOf('model', order);
      for (const m of order) {
        byModel.push({
          model: names.get(m)?.name ?? '',
          points: buckets.labels.map((_, b) => point(b, cell.get(`${b}|${m}`))),
        });
      }
      return { points, byModel, source: r.source };
    },

    async breakdown(filter, opts) {
      const by: BreakdownBy = opts.by;
      const r = await run({ filter: await resolve(filter), dim: by });
      const live = r.groups.filter((x) => x.n > 0);
      const names = await namesOf(
        by,
        live.map((x) => x.g),
      );
      let out: BreakdownRow[] = live.map((x) => {
        const nm = names.get(x.g) ?? none;
        return {
          id: x.g,
          name: nm.name,
          label: nm.label,
          requests: x.n,
          failures: x.failures,
          tokens: tokensOf(x),
          costMicros: Math.round(x.cost),
          unpricedRequests: x.unpriced,
          lastSeenMs: x.lastTs,
        };
      });
      const sort = opts.sort ?? 'requests';
      const dir = (opts.order ?? (sort === 'name' ? 'asc' : 'desc')) === 'asc' ? 1 : -1;
      const val = (x: BreakdownRow): number | string =>
        sort === 'requests'
          ? x.requests
          : sort === 'failures'
            ? x.failures
            : sort === 'tokens'
              ? x.tokens.total
              : sort === 'cost'
                ? x.costMicros
                : sort === 'lastSeen'
                  ? x.lastSeenMs
                  : x.label || x.name;
      out.sort((a, b) => {
        const va = val(a);
        const vb = val(b);
        const c = typeof va === 'string' ? va.localeCompare(vb as string) : va - (vb as number);
        return c !== 0 ? c * dir : a.id - b.id;
      });
      const total = out.length;
      const offset = opts.offset ?? 0;
      out = out.slice(offset, offset + (opts.limit ?? 50));
      return { rows: out, total, source: r.source };
    },

    async filterOptions(filter) {
      const f = await resolve(filter);
      const counts = async (dim: 'key' | 'account' | 'model' | 'provider') => {
        const groups = byCount((await run({ filter: f, dim })).groups);
        const names = await namesOf(
          dim,
          groups.map((x) => x.g),
        );
        return groups.map((x) => ({ n: names.get(x.g) ?? none, count: x.n }));
      };
      const [keys, accounts, models, providers] = [
        await counts('key'),
        await counts('account'),
        await counts('model'),
        await counts('provider'),
      ];
      return {
        keys: keys.map((x) => ({ hash: x.n.name, label: x.n.keyLabel, alias: x.n.alias, count: x.count })),
        accounts: accounts.map((x) => ({ authIndex: x.n.name, label: x.n.label, count: x.count })),
        models: models.map((x) => ({ name: x.n.name, count: x.count })),
        providers: providers.map((x) => ({ name: x.n.name, count: x.count })),
      };
    },

    async latencyPercentiles(filter, opts = {}) {
      const ps = opts.percentiles ?? [0.5, 0.95];
      const perModel = (opts.by ?? 'model') === 'model';
      const r = await run({
        filter: await resolve(filter),
        dim: perModel ? 'model' : 'none',
        histogram: true,
      });
      const groups = byCount(r.groups);
      const names = perModel
        ? await namesOf(
            'model',
            groups.map((x) => x.g),
          )
        : null;
      return {
        rows: groups.map((x) => ({
          name: names ? (names.get(x.g)?.name ?? '') : 'all',
          count: x.n,
          percentiles: ps.map((p) => percentileFromHistogram(x.hist!, p)),
        })),
        source: r.source,
      };
    },

    async heatmap(filter, opts = {}) {
      const f = await resolve(filter);
      const buckets = zones.bucketMap(opts.timeZone ?? 'UTC', f.from, f.to, 'weekdayHour');
      const r = await run({ filter: f, dim: 'time', buckets });
      const at = new Map(r.groups.map((x) => [x.g, x]));
      const cells = [];
      for (let g = 0; g < 168; g++) {
        cells.push({
          weekday: Math.floor(g / 24),
          hour: g % 24,
          requests: at.get(g)?.n ?? 0,
          tokens: totalOf(at.get(g)),
        });
      }
      return { cells, source: r.source };
    },
  };
  return repo;
}
