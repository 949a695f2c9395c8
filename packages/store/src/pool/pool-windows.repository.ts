import { DAY, type PoolDb } from './pool-db';
import { toWindow, toPoint, type Row } from './pool-rows';
import type { PoolRetention, PoolWindowRow } from './pool.types';
import type { SyncPoolRepository } from './pool.repository';

// History is thinned: a point is kept when the value or cycle changed, or every few minutes at most.
const HISTORY_MIN_GAP_MS = 5 * 60_000;

/** pool_window and pool_window_history: current quota windows and their (thinned) history. */
export type PoolWindowsTable = Pick<
  SyncPoolRepository,
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
  pruneHistory(opts: PoolRetention): number;
};

export function createPoolWindows(db: PoolDb): PoolWindowsTable {
  const { writer, now, w, rd } = db;
  const lastPoint = new Map<string, { t: number; used: number; reset: number | null }>();
  const stmt = {
    upsertWindow: writer.prepare(
      `INSERT INTO pool_window (auth_index, window, used_percent, remaining_percent, reset_at_ms, window_seconds, source, observed_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(auth_index, window) DO UPDATE SET used_percent = excluded.used_percent,
         remaining_percent = excluded.remaining_percent, reset_at_ms = excluded.reset_at_ms,
         window_seconds = coalesce(excluded.window_seconds, pool_window.window_seconds), source = excluded.source,
         observed_ms = excluded.observed_ms
       WHERE excluded.observed_ms >= pool_window.observed_ms`,
    ),
    insertHistory: writer.prepare(
      'INSERT INTO pool_window_history (auth_index, window, used_percent, reset_at_ms, source, observed_ms) VALUES (?, ?, ?, ?, ?, ?)',
    ),
  };
  const repo: PoolWindowsTable = {
    recordWindows(authIndex, windows) {
      writer.transaction(() => {
        for (const w of windows) {
          stmt.upsertWindow.run(
            authIndex,
            w.window,
            w.usedPercent,
            w.remainingPercent,
            w.resetAtMs,
            w.windowSeconds,
            w.source,
            w.observedAtMs,
          );
          if (w.usedPercent === null) continue;
          const key = `${authIndex}\u0000${w.window}`;
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
          stmt.insertHistory.run(authIndex, w.window, w.usedPercent, w.resetAtMs, w.source, w.observedAtMs);
          lastPoint.set(key, {
            t: Math.max(w.observedAtMs, last?.t ?? 0),
            used: w.usedPercent,
            reset: w.resetAtMs,
          });
        }
      })();
    },
    recordWindowsBatch(entries) {
      writer.transaction(() => {
        for (const e of entries) repo.recordWindows(e.authIndex, e.windows);
      })();
    },
    windows(authIndex) {
      return (
        w('SELECT * FROM pool_window WHERE auth_index = ? ORDER BY window').all(authIndex) as Row[]
      ).map(toWindow);
    },
    allWindows() {
      const out = new Map<string, PoolWindowRow[]>();
      const rows = rd(
        'SELECT auth_index, window, used_percent, remaining_percent, reset_at_ms, window_seconds, source, observed_ms FROM pool_window',
      )
        .raw()
        .all() as [
        string,
        string,
        number | null,
        number | null,
        number | null,
        number | null,
        PoolWindowRow['source'],
        number,
      ][];
      for (const [
        idx,
        window,
        usedPercent,
        remainingPercent,
        resetAtMs,
        windowSeconds,
        source,
        observedAtMs,
      ] of rows) {
        const w: PoolWindowRow = {
          window,
          usedPercent,
          remainingPercent,
          resetAtMs,
          windowSeconds,
          source,
          observedAtMs,
        };
        const list = out.get(idx);
        if (list) list.push(w);
        else out.set(idx, [w]);
      }
      return out;
    },
    windowHistory(authIndex, sinceMs) {
      return (
        rd(
          'SELECT * FROM pool_window_history WHERE auth_index = ? AND observed_ms >= ? ORDER BY observed_ms',
        ).all(authIndex, sinceMs) as Row[]
      ).map(toPoint);
    },
    historySince(sinceMs) {
      return (
        rd('SELECT * FROM pool_window_history WHERE observed_ms >= ? ORDER BY observed_ms').all(
          sinceMs,
        ) as Row[]
      ).map(toPoint);
    },

    historyBuckets(sinceMs, bucketMs) {
      // CAST: better-sqlite3 binds a JS number as REAL, and REAL division would not truncate to the bucket.
      const rows = rd(
        `SELECT a.provider, h.window, (h.observed_ms / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS t, avg(100 - h.used_percent) AS rem, a.plan,
                count(DISTINCT h.auth_index) AS n
           FROM pool_window_history h JOIN pool_account a ON a.auth_index = h.auth_index
           WHERE h.observed_ms >= ? AND a.deleted_ms IS NULL GROUP BY a.provider, a.plan, h.window, t ORDER BY t`,
      )
        .raw()
        .all(bucketMs, bucketMs, sinceMs) as [string, string, number, number, string | null, number][];
      return rows.map(([provider, window, tMs, rem, plan, n]) => ({
        provider,
        plan,
        accounts: n,
        window,
        tMs,
        remainingPercent: Math.round(rem * 100) / 100,
      }));
    },
    cycleStarts(sinceMs) {
      // SQLite's bare columns with min(): used_percent and reset come from the earliest row of each group.
      const rows = rd(
        `SELECT h.auth_index, h.window, h.used_percent, min(h.observed_ms), h.reset_at_ms
           FROM pool_window_history h JOIN pool_window w ON w.auth_index = h.auth_index AND w.window = h.window
           WHERE h.observed_ms >= ? AND (h.reset_at_ms IS NULL OR w.reset_at_ms IS NULL OR abs(h.reset_at_ms - w.reset_at_ms) <= 60000)
           GROUP BY h.auth_index, h.window`,
      )
        .raw()
        .all(sinceMs) as [string, string, number, number, number | null][];
      const out = new Map<string, { tMs: number; usedPercent: number; resetAtMs: number | null }>();
      for (const [idx, window, used, t, reset] of rows)
        out.set(`${idx}\u0000${window}`, { tMs: t, usedPercent: used, resetAtMs: reset });
      return out;
    },
    pruneHistory(opts) {
      const t = now();
      let history = w('DELETE FROM pool_window_history WHERE observed_ms < ?').run(
        t - (opts.historyDays ?? 14) * DAY,
      ).changes;
      const maxRows = opts.historyMaxRows ?? 500_000;
      const count = w('SELECT count(*) FROM pool_window_history').pluck().get() as number;
      if (count > maxRows) {
        history += w(
          'DELETE FROM pool_window_history WHERE id IN (SELECT id FROM pool_window_history ORDER BY id LIMIT ?)',
        ).run(count - maxRows).changes;
      }
      return history;
    },
  };
  return repo;
}
