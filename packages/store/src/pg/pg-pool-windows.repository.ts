// pool_window and pool_window_history on Postgres: current quota windows (newer observations win) and
// their thinned history, the same rules as SQLite's pool-windows repository.
import { sql } from 'kysely';
import { DAY } from '../pool/pool-db';
import { toPoint, toWindow, type Row } from '../pool/pool-rows';
import type { PoolRetention, PoolWindowRow } from '../pool/pool.types';
import type { PoolRepository } from '../repositories';
import type { PgExec } from './pg-connection';
import { rounds, whole, type PgPoolDb } from './pg-pool-db';

// History is thinned: a point is kept when the value or cycle changed, or every few minutes at most.
const HISTORY_MIN_GAP_MS = 5 * 60_000;

export type PgPoolWindowsTable = Pick<
  PoolRepository,
  | 'recordWindows'
  | 'recordWindowsBatch'
  | 'windows'
  | 'allWindows'
  | 'windowHistory'
  | 'historySince'
  | 'historyBuckets'
  | 'cycleStarts'
> & {
  /** Deletes history older than `historyDays`, then the oldest rows beyond `historyMaxRows`. */
  pruneHistory(opts: PoolRetention): Promise<number>;
};

type Entry = { authIndex: string; w: PoolWindowRow };

export function createPgPoolWindows(pdb: PgPoolDb): PgPoolWindowsTable {
  const { db, now, q, changes } = pdb;
  // The last history point per account and window (this process's view, as on SQLite).
  const lastPoint = new Map<string, { t: number; used: number; reset: number | null }>();

  /** The history points the thinning keeps, in order; advances lastPoint as SQLite's loop does. */
  const thin = (entries: readonly Entry[]): Entry[] => {
    const kept: Entry[] = [];
    for (const e of entries) {
      const { w } = e;
      if (w.usedPercent === null) continue;
      const key = `${e.authIndex}\u0000${w.window}`;
      const last = lastPoint.get(key);
      if (
        last &&
        w.observedAtMs - last.t < HISTORY_MIN_GAP_MS &&
        w.observedAtMs >= last.t &&
        Math.abs(w.usedPercent - last.used) < 1 &&
        last.reset === w.resetAtMs
      )
        continue;
      if (last && w.observedAtMs < last.t - HISTORY_MIN_GAP_MS) continue;
      kept.push(e);
      lastPoint.set(key, { t: Math.max(w.observedAtMs, last?.t ?? 0), used: w.usedPercent, reset: w.resetAtMs });
    }
    return kept;
  };

  const record = async (entries: readonly Entry[], trx: PgExec) => {
    for (const round of rounds(entries, (e) => `${e.authIndex}\u0000${e.w.window}`)) {
      await q(
        sql`INSERT INTO pool_window (auth_index, "window", used_percent, remaining_percent, reset_at_ms, window_seconds,
            source, observed_ms)
          SELECT * FROM unnest(${round.map((e) => e.authIndex)}::text[], ${round.map((e) => e.w.window)}::text[],
            ${round.map((e) => e.w.usedPercent)}::float8[], ${round.map((e) => e.w.remainingPercent)}::float8[],
            ${round.map((e) => whole(e.w.resetAtMs))}::bigint[], ${round.map((e) => whole(e.w.windowSeconds))}::bigint[],
            ${round.map((e) => e.w.source)}::text[], ${round.map((e) => whole(e.w.observedAtMs))}::bigint[])
          ON CONFLICT (auth_index, "window") DO UPDATE SET used_percent = excluded.used_percent,
            remaining_percent = excluded.remaining_percent, reset_at_ms = excluded.reset_at_ms,
            window_seconds = coalesce(excluded.window_seconds, pool_window.window_seconds), source = excluded.source,
            observed_ms = excluded.observed_ms
          WHERE excluded.observed_ms >= pool_window.observed_ms`,
        trx,
      );
    }
    const points = thin(entries);
    if (points.length === 0) return;
    // WITH ORDINALITY + ORDER BY: ids follow the order of the points, like one insert per point.
    await q(
      sql`INSERT INTO pool_window_history (auth_index, "window", used_percent, reset_at_ms, source, observed_ms)
        SELECT a, w, u, r, s, o FROM unnest(${points.map((e) => e.authIndex)}::text[],
          ${points.map((e) => e.w.window)}::text[], ${points.map((e) => e.w.usedPercent)}::float8[],
          ${points.map((e) => whole(e.w.resetAtMs))}::bigint[], ${points.map((e) => e.w.source)}::text[],
          ${points.map((e) => whole(e.w.observedAtMs))}::bigint[]) WITH ORDINALITY AS p(a, w, u, r, s, o, n)
        ORDER BY n`,
      trx,
    );
  };

  return {
    async recordWindows(authIndex, windows) {
      await db.transaction().execute((trx) => record(windows.map((w) => ({ authIndex, w })), trx));
    },
    async recordWindowsBatch(list) {
      await db
        .transaction()
        .execute((trx) => record(list.flatMap((e) => e.windows.map((w) => ({ authIndex: e.authIndex, w }))), trx));
    },
    async windows(authIndex) {
      return (
        await q(sql<Row>`SELECT * FROM pool_window WHERE auth_index = ${authIndex} ORDER BY "window" COLLATE "C"`)
      ).map(toWindow);
    },
    async allWindows() {
      const out = new Map<string, PoolWindowRow[]>();
      // SQLite reads its WITHOUT ROWID table in key order: the same order here.
      const found = await q(
        sql<Row>`SELECT * FROM pool_window ORDER BY auth_index COLLATE "C", "window" COLLATE "C"`,
      );
      for (const r of found) {
        const idx = r.auth_index as string;
        const list = out.get(idx);
        if (list) list.push(toWindow(r));
        else out.set(idx, [toWindow(r)]);
      }
      return out;
    },
    async windowHistory(authIndex, sinceMs) {
      return (
        await q(
          sql<Row>`SELECT * FROM pool_window_history WHERE auth_index = ${authIndex} AND observed_ms >= ${whole(sinceMs)}
            ORDER BY observed_ms, id`,
        )
      ).map(toPoint);
    },
    async historySince(sinceMs) {
      return (
        await q(sql<Row>`SELECT * FROM pool_window_history WHERE observed_ms >= ${whole(sinceMs)} ORDER BY observed_ms, id`)
      ).map(toPoint);
    },
    async historyBuckets(sinceMs, bucketMs) {
      const b = whole(bucketMs);
      const found = await q(
        sql<{ provider: string; window: string; t: number; rem: number; plan: string | null; n: number }>`
          SELECT a.provider, h."window" AS "window", (h.observed_ms / ${b}::bigint) * ${b}::bigint AS t,
                 avg(100 - h.used_percent) AS rem, a.plan, count(DISTINCT h.auth_index) AS n
            FROM pool_window_history h JOIN pool_account a ON a.auth_index = h.auth_index
            WHERE h.observed_ms >= ${whole(sinceMs)} AND a.deleted_ms IS NULL
            GROUP BY a.provider, a.plan, h."window", t
            ORDER BY t, a.provider COLLATE "C", a.plan COLLATE "C" NULLS FIRST, h."window" COLLATE "C"`,
      );
      return found.map((r) => ({
        provider: r.provider,
        plan: r.plan,
        accounts: r.n,
        window: r.window,
        tMs: r.t,
        remainingPercent: Math.round(r.rem * 100) / 100,
      }));
    },
    async cycleStarts(sinceMs) {
      // The earliest point of each account and window in the current cycle (SQLite: bare columns with min()).
      const found = await q(
        sql<{ auth_index: string; window: string; used_percent: number; observed_ms: number; reset_at_ms: number | null }>`
          SELECT DISTINCT ON (h.auth_index, h."window") h.auth_index, h."window" AS "window", h.used_percent,
                 h.observed_ms, h.reset_at_ms
            FROM pool_window_history h JOIN pool_window cur ON cur.auth_index = h.auth_index AND cur."window" = h."window"
            WHERE h.observed_ms >= ${whole(sinceMs)}
              AND (h.reset_at_ms IS NULL OR cur.reset_at_ms IS NULL OR abs(h.reset_at_ms - cur.reset_at_ms) <= 60000)
            ORDER BY h.auth_index, h."window", h.observed_ms, h.id`,
      );
      const out = new Map<string, { tMs: number; usedPercent: number; resetAtMs: number | null }>();
      for (const r of found)
        out.set(`${r.auth_index}\u0000${r.window}`, { tMs: r.observed_ms, usedPercent: r.used_percent, resetAtMs: r.reset_at_ms });
      return out;
    },
    async pruneHistory(opts) {
      let history = await changes(
        sql`DELETE FROM pool_window_history WHERE observed_ms < ${whole(now() - (opts.historyDays ?? 14) * DAY)}`,
      );
      const maxRows = opts.historyMaxRows ?? 500_000;
      const [c] = await q(sql<{ n: number }>`SELECT count(*) AS n FROM pool_window_history`);
      const count = c?.n ?? 0;
      if (count > maxRows) {
        history += await changes(
          sql`DELETE FROM pool_window_history WHERE id IN
            (SELECT id FROM pool_window_history ORDER BY id LIMIT ${count - maxRows})`,
        );
      }
      return history;
    },
  };
}
