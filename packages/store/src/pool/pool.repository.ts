import type Database from 'better-sqlite3';
import { FLAG_FAILED } from '../events/event-codec';
import type {
  PoolAccountRow,
  PoolAccountSnapshot,
  PoolActionRow,
  PoolActor,
  PoolActionKind,
  PoolEvidenceRow,
  PoolInspectionResultKind,
  PoolIssueKind,
  PoolIssueRow,
  PoolIssueState,
  PoolOwnershipRow,
  PoolResultRow,
  PoolRetention,
  PoolRunRow,
  PoolRunState,
  PoolWindowPoint,
  PoolWindowRow,
} from './pool.types';

/** Quota windows, inspection runs/results, owned account actions and the auth-issue queue. */
export interface PoolRepository {
  /** Replaces the pool's view of CPA's auth files; accounts not listed are marked deleted. */
  syncAccounts(accounts: readonly PoolAccountSnapshot[]): { upserted: number; missing: number };
  listAccounts(opts?: { includeDeleted?: boolean }): PoolAccountRow[];
  getAccount(authIndex: string): PoolAccountRow | undefined;
  setAccountDisabled(authIndex: string, disabled: boolean): void;
  /** Upserts the current windows (newer observations win) and appends history (thinned). */
  recordWindows(authIndex: string, windows: readonly PoolWindowRow[]): void;
  /** recordWindows for many accounts in one transaction. */
  recordWindowsBatch(entries: readonly { authIndex: string; windows: readonly PoolWindowRow[] }[]): void;
  windows(authIndex: string): PoolWindowRow[];
  allWindows(): Map<string, PoolWindowRow[]>;
  windowHistory(authIndex: string, sinceMs: number): PoolWindowPoint[];
  /** History of every account since `sinceMs` (oldest first). */
  historySince(sinceMs: number): PoolWindowPoint[];
  /** Average remaining % per provider, window and time bucket since `sinceMs` (the pool series). */
  historyBuckets(sinceMs: number, bucketMs: number): { provider: string; window: string; tMs: number; remainingPercent: number }[];
  /** Per account and window: the earliest observation since `sinceMs` in the current cycle (for slopes). */
  cycleStarts(sinceMs: number): Map<string, { tMs: number; usedPercent: number; resetAtMs: number | null }>;

  createRun(run: { trigger: 'manual' | 'schedule'; total: number; dryRun: boolean }): PoolRunRow;
  updateRun(id: number, patch: { done?: number; counts?: Record<PoolInspectionResultKind, number>; state?: PoolRunState; error?: string | null; total?: number }): PoolRunRow;
  getRun(id: number): PoolRunRow | undefined;
  listRuns(limit: number): PoolRunRow[];
  /** Marks runs left 'running' by a previous process as failed (interrupted). */
  interruptRunningRuns(): number;
  addResults(results: readonly PoolResultRow[]): void;
  listResults(runId: number, opts: { result?: PoolInspectionResultKind; limit: number; offset: number }): { items: PoolResultRow[]; total: number };
  resultsFor(authIndex: string, limit: number): PoolResultRow[];

  /** Upserts the unresolved issue of this account and kind (count +1); an ignored one stays ignored. */
  upsertIssue(issue: { authIndex: string; fileName: string | null; provider: string; issue: PoolIssueKind; detail: string }): PoolIssueRow;
  listIssues(state?: PoolIssueState, limit?: number): PoolIssueRow[];
  getIssue(id: number): PoolIssueRow | undefined;
  setIssueState(id: number, state: PoolIssueState): PoolIssueRow | undefined;
  /** Resolves the unresolved issues of one account (e.g. a later probe was fine); returns them. */
  resolveIssuesOf(authIndex: string, kinds?: readonly PoolIssueKind[]): PoolIssueRow[];
  /** Open issues per account, of the given kinds (default: every kind). */
  openIssueCounts(kinds?: readonly PoolIssueKind[]): Map<string, number>;

  logAction(a: { authIndex: string; fileName: string | null; action: PoolActionKind; actor: PoolActor; reason: string; dryRun: boolean; ok: boolean; error: string | null }): PoolActionRow;
  /** Newest first; `beforeId` pages to older rows. */
  listActions(opts: { limit: number; beforeId?: number; authIndex?: string }): PoolActionRow[];

  setOwnership(o: Omit<PoolOwnershipRow, 'updatedAtMs'>): PoolOwnershipRow;
  getOwnership(authIndex: string): PoolOwnershipRow | undefined;
  listOwnership(): PoolOwnershipRow[];
  dropOwnership(authIndex: string): boolean;

  getSetting<T>(key: string): T | undefined;
  setSetting(key: string, value: unknown): void;
  /** Usage rows after `afterEventId` that carry headers or a failure body (oldest first). */
  evidenceAfter(afterEventId: number, limit: number): PoolEvidenceRow[];
  /** Highest event id right now (start the evidence watermark there). */
  maxEventId(): number;
  /** Applies retention to history, runs, actions and resolved issues. */
  prune(opts?: PoolRetention): { history: number; runs: number; actions: number; issues: number };
}

export interface PoolRepositoryDeps {
  writer: Database.Database;
  reader: () => Database.Database;
  now: () => number;
  /** The store's 32-byte data key (AES-256-GCM for secrets at rest). */
  dataKey: Buffer;
}

const DAY = 86_400_000;
const EMPTY_COUNTS = (): Record<PoolInspectionResultKind, number> => ({ ok: 0, unauthorized: 0, exhausted: 0, banned: 0, error: 0 });
type Row = Record<string, unknown>;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const toAccount = (r: Row): PoolAccountRow => ({
  authIndex: r.auth_index as string,
  fileName: str(r.file_name),
  provider: r.provider as string,
  email: str(r.email),
  plan: str(r.plan),
  chatgptAccountId: str(r.chatgpt_account_id),
  disabled: r.disabled === 1,
  cpaStatus: str(r.cpa_status),
  statusMessage: str(r.status_message),
  lastInspectionMs: num(r.last_inspection_ms),
  lastResult: str(r.last_result) as PoolInspectionResultKind | null,
  syncedMs: r.synced_ms as number,
  deletedMs: num(r.deleted_ms),
});
const toWindow = (r: Row): PoolWindowRow => ({
  window: r.window as string,
  usedPercent: num(r.used_percent),
  remainingPercent: num(r.remaining_percent),
  resetAtMs: num(r.reset_at_ms),
  windowSeconds: num(r.window_seconds),
  source: r.source as PoolWindowRow['source'],
  observedAtMs: r.observed_ms as number,
});
const toPoint = (r: Row): PoolWindowPoint => ({
  authIndex: r.auth_index as string,
  window: r.window as string,
  usedPercent: r.used_percent as number,
  resetAtMs: num(r.reset_at_ms),
  tMs: r.observed_ms as number,
});
const toRun = (r: Row): PoolRunRow => ({
  id: r.id as number,
  trigger: r.trigger as PoolRunRow['trigger'],
  state: r.state as PoolRunState,
  startedAtMs: r.started_ms as number,
  finishedAtMs: num(r.finished_ms),
  total: r.total as number,
  done: r.done as number,
  dryRun: r.dry_run === 1,
  counts: { ...EMPTY_COUNTS(), ...(JSON.parse(r.counts as string) as object) },
  error: str(r.error),
});
const toResult = (r: Row): PoolResultRow => ({
  runId: r.run_id as number,
  authIndex: r.auth_index as string,
  fileName: str(r.file_name),
  provider: r.provider as string,
  result: r.result as PoolInspectionResultKind,
  httpStatus: num(r.http_status),
  detail: r.detail as string,
  windows: JSON.parse(r.windows as string) as PoolWindowRow[],
  suggestedAction: r.suggested_action as PoolResultRow['suggestedAction'],
  atMs: r.at_ms as number,
});
const toIssue = (r: Row): PoolIssueRow => ({
  id: r.id as number,
  authIndex: r.auth_index as string,
  fileName: str(r.file_name),
  provider: r.provider as string,
  issue: r.issue as PoolIssueKind,
  detail: r.detail as string,
  firstSeenMs: r.first_seen_ms as number,
  lastSeenMs: r.last_seen_ms as number,
  count: r.count as number,
  state: r.state as PoolIssueState,
});
const toAction = (r: Row): PoolActionRow => ({
  id: r.id as number,
  atMs: r.at_ms as number,
  authIndex: r.auth_index as string,
  fileName: str(r.file_name),
  action: r.action as PoolActionKind,
  actor: r.actor as PoolActor,
  reason: r.reason as string,
  dryRun: r.dry_run === 1,
  ok: r.ok === 1,
  error: str(r.error),
});
const toOwnership = (r: Row): PoolOwnershipRow => ({
  authIndex: r.auth_index as string,
  fileName: str(r.file_name),
  provider: r.provider as string,
  kind: r.kind as PoolOwnershipRow['kind'],
  reason: r.reason as string,
  window: str(r.window),
  disabledAtMs: r.disabled_ms as number,
  recoverAtMs: num(r.recover_at_ms),
  updatedAtMs: r.updated_ms as number,
});

function parseHeaders(text: unknown): Record<string, string> | null {
  if (typeof text !== 'string' || text === '') return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, string>) : null;
  } catch {
    return null;
  }
}

// History is thinned: a point is kept when the value or cycle changed, or every few minutes at most.
const HISTORY_MIN_GAP_MS = 5 * 60_000;

export function createPoolRepository(deps: PoolRepositoryDeps): PoolRepository {
  const { writer, reader, now } = deps;
  const lastPoint = new Map<string, { t: number; used: number; reset: number | null }>();
  // Every statement is prepared once (the SQL strings form a small fixed set).
  const wCache = new Map<string, Database.Statement>();
  const rCache = new Map<string, Database.Statement>();
  const w = (sql: string): Database.Statement => {
    let st = wCache.get(sql);
    if (!st) wCache.set(sql, (st = writer.prepare(sql)));
    return st;
  };
  const rd = (sql: string): Database.Statement => {
    const db = reader();
    if (db === writer) return w(sql);
    let st = rCache.get(sql);
    if (!st) rCache.set(sql, (st = db.prepare(sql)));
    return st;
  };
  const stmt = {
    upsertAccount: writer.prepare(
      `INSERT INTO pool_account (auth_index, file_name, provider, email, plan, chatgpt_account_id, disabled, cpa_status,
         status_message, synced_ms, deleted_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT(auth_index) DO UPDATE SET file_name = excluded.file_name, provider = excluded.provider,
         email = excluded.email, plan = excluded.plan, chatgpt_account_id = excluded.chatgpt_account_id,
         disabled = excluded.disabled, cpa_status = excluded.cpa_status, status_message = excluded.status_message,
         synced_ms = excluded.synced_ms, deleted_ms = NULL`,
    ),
    markDeleted: writer.prepare('UPDATE pool_account SET deleted_ms = ? WHERE synced_ms < ? AND deleted_ms IS NULL'),
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
    insertResult: writer.prepare(
      `INSERT INTO pool_inspection_result (run_id, auth_index, file_name, provider, result, http_status, detail, windows,
         suggested_action, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    markInspected: writer.prepare('UPDATE pool_account SET last_inspection_ms = ?, last_result = ? WHERE auth_index = ?'),
  };

  const getIssue = (id: number) => {
    const row = w('SELECT * FROM pool_issue WHERE id = ?').get(id) as Row | undefined;
    return row ? toIssue(row) : undefined;
  };

  const repo: PoolRepository = {
    syncAccounts(accounts) {
      const t = now();
      writer.transaction(() => {
        for (const a of accounts)
          stmt.upsertAccount.run(a.authIndex, a.fileName, a.provider, a.email, a.plan, a.chatgptAccountId, a.disabled ? 1 : 0, a.cpaStatus, a.statusMessage, t);
      })();
      const missing = stmt.markDeleted.run(t, t).changes;
      return { upserted: accounts.length, missing };
    },
    listAccounts(opts = {}) {
      const cols = `auth_index, file_name, provider, email, plan, chatgpt_account_id, disabled, cpa_status, status_message,
        last_inspection_ms, last_result, synced_ms, deleted_ms`;
      const sql = opts.includeDeleted ? `SELECT ${cols} FROM pool_account` : `SELECT ${cols} FROM pool_account WHERE deleted_ms IS NULL`;
      // Raw rows: this feeds every view rebuild (thousands of accounts).
      const rows = rd(sql).raw().all() as unknown[][];
      return rows.map((r) => ({
        authIndex: r[0] as string,
        fileName: r[1] as string | null,
        provider: r[2] as string,
        email: r[3] as string | null,
        plan: r[4] as string | null,
        chatgptAccountId: r[5] as string | null,
        disabled: r[6] === 1,
        cpaStatus: r[7] as string | null,
        statusMessage: r[8] as string | null,
        lastInspectionMs: r[9] as number | null,
        lastResult: r[10] as PoolInspectionResultKind | null,
        syncedMs: r[11] as number,
        deletedMs: r[12] as number | null,
      }));
    },
    getAccount(authIndex) {
      const r = w('SELECT * FROM pool_account WHERE auth_index = ?').get(authIndex) as Row | undefined;
      return r ? toAccount(r) : undefined;
    },
    setAccountDisabled(authIndex, disabled) {
      w('UPDATE pool_account SET disabled = ? WHERE auth_index = ?').run(disabled ? 1 : 0, authIndex);
    },
    recordWindows(authIndex, windows) {
      writer.transaction(() => {
        for (const w of windows) {
          stmt.upsertWindow.run(authIndex, w.window, w.usedPercent, w.remainingPercent, w.resetAtMs, w.windowSeconds, w.source, w.observedAtMs);
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
          lastPoint.set(key, { t: Math.max(w.observedAtMs, last?.t ?? 0), used: w.usedPercent, reset: w.resetAtMs });
        }
      })();
    },
    recordWindowsBatch(entries) {
      writer.transaction(() => {
        for (const e of entries) repo.recordWindows(e.authIndex, e.windows);
      })();
    },
    windows(authIndex) {
      return (w('SELECT * FROM pool_window WHERE auth_index = ? ORDER BY window').all(authIndex) as Row[]).map(toWindow);
    },
    allWindows() {
      const out = new Map<string, PoolWindowRow[]>();
      const rows = rd('SELECT auth_index, window, used_percent, remaining_percent, reset_at_ms, window_seconds, source, observed_ms FROM pool_window')
        .raw()
        .all() as [string, string, number | null, number | null, number | null, number | null, PoolWindowRow['source'], number][];
      for (const [idx, window, usedPercent, remainingPercent, resetAtMs, windowSeconds, source, observedAtMs] of rows) {
        const w: PoolWindowRow = { window, usedPercent, remainingPercent, resetAtMs, windowSeconds, source, observedAtMs };
        const list = out.get(idx);
        if (list) list.push(w);
        else out.set(idx, [w]);
      }
      return out;
    },
    windowHistory(authIndex, sinceMs) {
      return (
        rd('SELECT * FROM pool_window_history WHERE auth_index = ? AND observed_ms >= ? ORDER BY observed_ms')
          .all(authIndex, sinceMs) as Row[]
      ).map(toPoint);
    },
    historySince(sinceMs) {
      return (
        rd('SELECT * FROM pool_window_history WHERE observed_ms >= ? ORDER BY observed_ms').all(sinceMs) as Row[]
      ).map(toPoint);
    },

    historyBuckets(sinceMs, bucketMs) {
      const rows = rd(
          `SELECT a.provider, h.window, (h.observed_ms / ?) * ? AS t, avg(100 - h.used_percent) AS rem
           FROM pool_window_history h JOIN pool_account a ON a.auth_index = h.auth_index
           WHERE h.observed_ms >= ? AND a.deleted_ms IS NULL GROUP BY a.provider, h.window, t ORDER BY t`,
        )
        .raw()
        .all(bucketMs, bucketMs, sinceMs) as [string, string, number, number][];
      return rows.map(([provider, window, tMs, rem]) => ({ provider, window, tMs, remainingPercent: Math.round(rem * 100) / 100 }));
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
      for (const [idx, window, used, t, reset] of rows) out.set(`${idx}\u0000${window}`, { tMs: t, usedPercent: used, resetAtMs: reset });
      return out;
    },

    createRun(run) {
      const id = Number(
        w('INSERT INTO pool_inspection_run (trigger, state, started_ms, total, done, dry_run, counts) VALUES (?, ?, ?, ?, 0, ?, ?)')
          .run(run.trigger, 'running', now(), run.total, run.dryRun ? 1 : 0, JSON.stringify(EMPTY_COUNTS())).lastInsertRowid,
      );
      return repo.getRun(id)!;
    },
    updateRun(id, patch) {
      const sets: string[] = [];
      const args: unknown[] = [];
      if (patch.done !== undefined) {
        sets.push('done = ?');
        args.push(patch.done);
      }
      if (patch.total !== undefined) {
        sets.push('total = ?');
        args.push(patch.total);
      }
      if (patch.counts !== undefined) {
        sets.push('counts = ?');
        args.push(JSON.stringify(patch.counts));
      }
      if (patch.error !== undefined) {
        sets.push('error = ?');
        args.push(patch.error);
      }
      if (patch.state !== undefined) {
        sets.push('state = ?');
        args.push(patch.state);
        if (patch.state !== 'running') {
        sets.push('finished_ms = ?');
        args.push(now());
      }
      }
      if (sets.length) w(`UPDATE pool_inspection_run SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
      const r = w('SELECT * FROM pool_inspection_run WHERE id = ?').get(id) as Row;
      return toRun(r);
    },
    getRun: (id) => {
      const r = w('SELECT * FROM pool_inspection_run WHERE id = ?').get(id) as Row | undefined;
      return r ? toRun(r) : undefined;
    },
    listRuns(limit) {
      return (w('SELECT * FROM pool_inspection_run ORDER BY id DESC LIMIT ?').all(limit) as Row[]).map(toRun);
    },
    interruptRunningRuns() {
      return w("UPDATE pool_inspection_run SET state = 'failed', error = 'interrupted by a restart', finished_ms = ? WHERE state = 'running'")
        .run(now()).changes;
    },
    addResults(results) {
      writer.transaction(() => {
        for (const r of results) {
          stmt.insertResult.run(r.runId, r.authIndex, r.fileName, r.provider, r.result, r.httpStatus, r.detail, JSON.stringify(r.windows), r.suggestedAction, r.atMs);
          stmt.markInspected.run(r.atMs, r.result, r.authIndex);
        }
      })();
    },
    listResults(runId, opts) {
      const where = opts.result ? 'run_id = ? AND result = ?' : 'run_id = ?';
      const args: unknown[] = opts.result ? [runId, opts.result] : [runId];
      const total = w(`SELECT count(*) FROM pool_inspection_result WHERE ${where}`).pluck().get(...args) as number;
      const items = (
        w(`SELECT * FROM pool_inspection_result WHERE ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...args, opts.limit, opts.offset) as Row[]
      ).map(toResult);
      return { items, total };
    },
    resultsFor(authIndex, limit) {
      return (
        w('SELECT * FROM pool_inspection_result WHERE auth_index = ? ORDER BY id DESC LIMIT ?').all(authIndex, limit) as Row[]
      ).map(toResult);
    },

    upsertIssue(i) {
      const t = now();
      const existing = w("SELECT id FROM pool_issue WHERE auth_index = ? AND issue = ? AND state != 'resolved'")
        .pluck()
        .get(i.authIndex, i.issue) as number | undefined;
      if (existing !== undefined) {
        w('UPDATE pool_issue SET count = count + 1, last_seen_ms = ?, detail = ?, file_name = coalesce(?, file_name), updated_ms = ? WHERE id = ?')
          .run(t, i.detail, i.fileName, t, existing);
        return getIssue(existing)!;
      }
      const id = Number(
        w(
            `INSERT INTO pool_issue (auth_index, file_name, provider, issue, detail, first_seen_ms, last_seen_ms, count, state, updated_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'open', ?)`,
          )
          .run(i.authIndex, i.fileName, i.provider, i.issue, i.detail, t, t, t).lastInsertRowid,
      );
      return getIssue(id)!;
    },
    listIssues(state, limit = 1000) {
      const rows = state
        ? w('SELECT * FROM pool_issue WHERE state = ? ORDER BY id DESC LIMIT ?').all(state, limit)
        : w('SELECT * FROM pool_issue ORDER BY id DESC LIMIT ?').all(limit);
      return (rows as Row[]).map(toIssue);
    },
    getIssue,
    setIssueState(id, state) {
      const cur = getIssue(id);
      if (!cur) return undefined;
      if (cur.state === state) return cur;
      // Re-opening is refused when another unresolved issue of the same kind exists (the unique index).
      if (state !== 'resolved') {
        const other = w("SELECT id FROM pool_issue WHERE auth_index = ? AND issue = ? AND state != 'resolved' AND id != ?")
          .pluck()
          .get(cur.authIndex, cur.issue, id) as number | undefined;
        if (other !== undefined) w("UPDATE pool_issue SET state = 'resolved', updated_ms = ? WHERE id = ?").run(now(), other);
      }
      w('UPDATE pool_issue SET state = ?, updated_ms = ? WHERE id = ?').run(state, now(), id);
      return getIssue(id);
    },
    resolveIssuesOf(authIndex, kinds) {
      const rows = (
        w("SELECT * FROM pool_issue WHERE auth_index = ? AND state = 'open'").all(authIndex) as Row[]
      )
        .map(toIssue)
        .filter((i) => !kinds || kinds.includes(i.issue));
      const upd = w("UPDATE pool_issue SET state = 'resolved', updated_ms = ? WHERE id = ?");
      for (const i of rows) upd.run(now(), i.id);
      return rows.map((i) => ({ ...i, state: 'resolved' as const }));
    },
    openIssueCounts(kinds) {
      const out = new Map<string, number>();
      if (kinds && kinds.length === 0) return out;
      const filter = kinds ? ` AND issue IN (${kinds.map(() => '?').join(', ')})` : '';
      for (const r of rd(`SELECT auth_index, count(*) AS n FROM pool_issue WHERE state = 'open'${filter} GROUP BY auth_index`).all(...(kinds ?? [])) as Row[])
        out.set(r.auth_index as string, r.n as number);
      return out;
    },

    logAction(a) {
      const id = Number(
        w('INSERT INTO pool_action (at_ms, auth_index, file_name, action, actor, reason, dry_run, ok, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(now(), a.authIndex, a.fileName, a.action, a.actor, a.reason, a.dryRun ? 1 : 0, a.ok ? 1 : 0, a.error).lastInsertRowid,
      );
      return toAction(w('SELECT * FROM pool_action WHERE id = ?').get(id) as Row);
    },
    listActions(opts) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (opts.beforeId !== undefined) {
        where.push('id < ?');
        args.push(opts.beforeId);
      }
      if (opts.authIndex !== undefined) {
        where.push('auth_index = ?');
        args.push(opts.authIndex);
      }
      const sql = `SELECT * FROM pool_action ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return (w(sql).all(...args, opts.limit) as Row[]).map(toAction);
    },

    setOwnership(o) {
      w(
          `INSERT INTO pool_ownership (auth_index, file_name, provider, kind, reason, window, disabled_ms, recover_at_ms, updated_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(auth_index) DO UPDATE SET file_name = excluded.file_name, kind = excluded.kind, reason = excluded.reason,
             window = excluded.window, recover_at_ms = excluded.recover_at_ms, updated_ms = excluded.updated_ms`,
        )
        .run(o.authIndex, o.fileName, o.provider, o.kind, o.reason, o.window, o.disabledAtMs, o.recoverAtMs, now());
      return repo.getOwnership(o.authIndex)!;
    },
    getOwnership(authIndex) {
      const r = w('SELECT * FROM pool_ownership WHERE auth_index = ?').get(authIndex) as Row | undefined;
      return r ? toOwnership(r) : undefined;
    },
    listOwnership() {
      return (w('SELECT * FROM pool_ownership ORDER BY disabled_ms').all() as Row[]).map(toOwnership);
    },
    dropOwnership(authIndex) {
      return w('DELETE FROM pool_ownership WHERE auth_index = ?').run(authIndex).changes > 0;
    },

    getSetting<T>(key: string) {
      const v = w('SELECT value FROM pool_setting WHERE key = ?').pluck().get(key) as string | undefined;
      return v === undefined ? undefined : (JSON.parse(v) as T);
    },
    setSetting(key, value) {
      w('INSERT INTO pool_setting (key, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms')
        .run(key, JSON.stringify(value), now());
    },
    evidenceAfter(afterEventId, limit) {
      const rows = rd(
          `SELECT x.event_id, x.fail_body, x.headers, e.ts, e.status, e.flags, a.auth_index, p.name AS provider
           FROM event_extra x JOIN events e ON e.id = x.event_id
           JOIN account a ON a.id = e.account_id JOIN provider p ON p.id = e.provider_id
           WHERE x.event_id > ? ORDER BY x.event_id LIMIT ?`,
        )
        .all(afterEventId, limit) as Row[];
      return rows.map((r) => ({
        eventId: r.event_id as number,
        timestampMs: r.ts as number,
        authIndex: r.auth_index as string,
        provider: r.provider as string,
        statusCode: r.status as number,
        failed: ((r.flags as number) & FLAG_FAILED) !== 0,
        headers: parseHeaders(r.headers),
        failBody: str(r.fail_body),
      }));
    },
    maxEventId() {
      return (rd('SELECT max(id) FROM events').pluck().get() as number | null) ?? 0;
    },
    prune(opts = {}) {
      const t = now();
      const historyCut = t - (opts.historyDays ?? 14) * DAY;
      let history = w('DELETE FROM pool_window_history WHERE observed_ms < ?').run(historyCut).changes;
      const maxRows = opts.historyMaxRows ?? 500_000;
      const count = w('SELECT count(*) FROM pool_window_history').pluck().get() as number;
      if (count > maxRows) {
        history += w('DELETE FROM pool_window_history WHERE id IN (SELECT id FROM pool_window_history ORDER BY id LIMIT ?)')
          .run(count - maxRows).changes;
      }
      const keep = opts.keepRuns ?? 30;
      const cutoffRun = w('SELECT id FROM pool_inspection_run ORDER BY id DESC LIMIT 1 OFFSET ?').pluck().get(keep - 1) as number | undefined;
      let runs = 0;
      if (cutoffRun !== undefined) {
        w("DELETE FROM pool_inspection_result WHERE run_id < ?").run(cutoffRun);
        runs = w("DELETE FROM pool_inspection_run WHERE id < ? AND state != 'running'").run(cutoffRun).changes;
      }
      const actions = w('DELETE FROM pool_action WHERE at_ms < ?').run(t - (opts.actionDays ?? 90) * DAY).changes;
      const issues = w("DELETE FROM pool_issue WHERE state = 'resolved' AND updated_ms < ?")
        .run(t - (opts.resolvedIssueDays ?? 30) * DAY).changes;
      return { history, runs, actions, issues };
    },
  };
  return repo;
}
