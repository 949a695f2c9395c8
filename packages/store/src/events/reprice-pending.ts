// Re-pricing's rollup cost deltas, summed over a whole job instead of per chunk (issue #21: 1M events took 169 s
// once the hour × key / account and day × key / account × model tiers and their span blocks existed: a 1,000-event
// chunk touched ~8 tier rows per event, and every chunk touched the same span-block rows again).
//
// A chunk commits its events' new costs at once; the cost / unpriced deltas of the rollup rows wait here, summed
// per row, and are written in short slices (flush) while the job goes on and when it ends. Between a chunk and
// the slice that writes its rows, those rows still show the old cost (views during a re-price show a mix anyway);
// when the job is done, every tier holds exactly the sum of its events. The deltas are additive, so they stay
// right across everything that may run between two slices:
// - ingest (late events go into the tiers with their own cost), retention (an UPDATE of a deleted row is a no-op);
// - the fold: a deferred tier gets a delta only for events below its watermark when the chunk ran; upto only
//   grows, so those rows exist, and events above it are folded later with their new cost;
// - span blocks: a day row's delta goes to its closed blocks when the day row is written (in that transaction),
//   so a block that closes in between is derived from the day rows as they are then and takes the rest later.
// A full rebuild (repriceRange) writes everything pending first. A crash loses the pending deltas: the settings
// row REPRICE_PENDING_KEY holds the time range they cover, and the next open rebuilds that range from raw events.
import type Database from 'better-sqlite3';
import { FOLD_TIERS } from '../rollups/fold-registry';
import { uptoOf, type FoldEventKey, type FoldMarks, type FoldTier } from '../rollups/fold-tier';
import { DAY_MS, HOUR_MS } from '../rollups/rollup-batch';
import { closedDays } from '../rollups/day-dims-fold';
import { dayDimsUpto } from '../rollups/rollup-cross-writer';
import { SPANS, SPAN_TIERS, spanKeyCols } from '../rollups/rollup-spans';
import { rebuildRollups } from '../rollups/rollup-writer';
import { DeltaMap, deltaKeyCount, type DeltaKeys } from './reprice-delta-map';

/** The settings row naming the time range whose rollups wait for deltas (JSON {from, to}, ms). */
export const REPRICE_PENDING_KEY = 'reprice_pending_range';

/** Pending rows past this: slices are written while the job reads on (memory: ~100 B per row). */
export const PENDING_CAP = 200_000;

/** Rows per sorted slice (key order: consecutive UPDATEs land on the same B-tree pages). */
const SLICE_ROWS = 2048;

interface Target {
  table: string;
  keyCols: readonly string[];
  /** When every key column is one an event gives (EVENT_COLS): their positions in the event's values. */
  at: number[] | null;
  /** Otherwise a deferred tier's own key (FoldTier.costKey). */
  costKey: ((e: FoldEventKey) => number[]) | null;
  /** The fold group of a deferred tier: it takes only events below the group's watermark. */
  group: string | null;
  /** The span tier summing this day table (SPAN_TIERS index), if any. */
  span: number;
  stmt: Database.Statement;
}

/** The key columns an event gives, in the order RepricePending.add writes their values (once per event). */
const EVENT_COLS = ['hour', 'day', 'key_id', 'account_id', 'model_id', 'provider_id', 'sclass', 'upstream_id'];

function updateSql(table: string, keyCols: readonly string[]): string {
  return `UPDATE ${table} SET cost = cost + ?, unpriced = unpriced + ? WHERE ${keyCols.map((c) => `${c} = ?`).join(' AND ')}`;
}

const spanOf = (table: string) => SPAN_TIERS.findIndex((t) => t.dayTable === table);

export class RepricePending {
  private readonly targets: Target[];
  private readonly spanStmts: Database.Statement[];
  private readonly pending: DeltaMap[];
  private readonly spanPending: DeltaMap[];
  /** A taken row's key values, reused row after row. */
  private readonly vals: number[] = [];
  /** An event's values of EVENT_COLS. */
  private readonly base: number[] = EVENT_COLS.map(() => 0);
  private readonly params: number[][] = [];
  private readonly markerGet: Database.Statement;
  private readonly markerSet: Database.Statement;
  private readonly markerDel: Database.Statement;
  private range: { from: number; to: number } | null = null;
  /** Rows in the maps (pending, spanPending), queued or not. */
  private rows = 0;
  /** The watermarks of the chunk being added, per target (∞: a tier that takes every event). */
  private marks: FoldMarks | null = null;
  private uptos: number[] = [];
  /** Keys queued for writing, one table at a time (a target's index, or a span tier's). */
  private readonly queue: { target: number; span: number; keys: DeltaKeys; at: number }[] = [];

  constructor(private readonly db: Database.Database) {
    const tier = (table: string, keyCols: string[], fold?: FoldTier): Target => {
      const at = keyCols.every((c) => EVENT_COLS.includes(c)) ? keyCols.map((c) => EVENT_COLS.indexOf(c)) : null;
      return {
        table,
        keyCols,
        at,
        costKey: at ? null : fold!.costKey!,
        group: fold?.group ?? null,
        span: spanOf(table),
        stmt: db.prepare(updateSql(table, keyCols)),
      };
    };
    this.targets = [
      tier('rollup_hour', ['hour', 'model_id', 'provider_id', 'sclass']),
      tier('rollup_day', ['day', 'model_id', 'provider_id', 'sclass']),
      tier('rollup_day_key', ['day', 'key_id', 'sclass']),
      tier('rollup_day_account', ['day', 'account_id', 'sclass']),
      tier('rollup_hour_total', ['hour', 'sclass']),
      // The deferred tiers hold only events below their watermark (the fold reads the others' new cost).
      ...FOLD_TIERS.filter((t) => t.costKey).map((t) => tier(t.name, [...t.keyCols], t)),
    ];
    this.spanStmts = SPAN_TIERS.map((t) => db.prepare(updateSql(t.table, spanKeyCols(t))));
    this.pending = this.targets.map((t) => new DeltaMap(t.keyCols));
    this.spanPending = SPAN_TIERS.map((t) => new DeltaMap(spanKeyCols(t)));
    this.markerGet = db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
    this.markerSet = db.prepare(
      `INSERT INTO settings(key, value, updated_ms) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms`,
    );
    this.markerDel = db.prepare('DELETE FROM settings WHERE key = ?');
  }

  /** Rows waiting to be written (summed, not yet queued). */
  get size(): number {
    return this.rows;
  }

  /** Whether nothing waits (every delta written). */
  get empty(): boolean {
    return this.rows === 0;
  }

  /**
   * At open: deltas of a process that stopped before writing them are lost; the rollups of their range are
   * rebuilt from raw events (those events already carry their new cost).
   */
  repairAfterCrash(): { from: number; to: number } | null {
    const v = this.markerGet.get(REPRICE_PENDING_KEY) as string | undefined;
    if (v === undefined) return null;
    const r = JSON.parse(v) as { from: number; to: number };
    this.db.transaction(() => {
      rebuildRollups(this.db, r.from, r.to);
      this.markerDel.run(REPRICE_PENDING_KEY);
    })();
    return r;
  }

  /** Inside a chunk's transaction: an event's cost changed by dCost (and its unpriced count by dUnpriced). */
  add(e: FoldEventKey, marks: FoldMarks, dCost: number, dUnpriced: number): void {
    if (marks !== this.marks) {
      this.marks = marks;
      this.uptos = this.targets.map((t) => (t.group === null ? Infinity : uptoOf(marks, t.group)));
    }
    // EVENT_COLS order, written out: ~10 rows per re-priced event read these.
    const b = this.base;
    b[0] = Math.floor(e.ts / HOUR_MS);
    b[1] = Math.floor(e.ts / DAY_MS);
    b[2] = e.key_id;
    b[3] = e.account_id;
    b[4] = e.model_id;
    b[5] = e.provider_id;
    b[6] = e.sclass;
    b[7] = e.upstream_id;
    for (let i = 0; i < this.targets.length; i++) {
      if (e.ts >= this.uptos[i]!) continue;
      const t = this.targets[i]!;
      const added = t.at
        ? this.pending[i]!.addAt(b, t.at, dCost, dUnpriced)
        : this.pending[i]!.add(t.costKey!(e), dCost, dUnpriced);
      if (added) this.rows++;
    }
    const r = this.range;
    if (!r) this.range = { from: e.ts, to: e.ts + 1 };
    else {
      if (e.ts < r.from) r.from = e.ts;
      if (e.ts >= r.to) r.to = e.ts + 1;
    }
  }

  /** Inside the chunk's transaction, after add: records the range in case the process stops before flush. */
  mark(now: number): void {
    if (this.range) this.markerSet.run(REPRICE_PENDING_KEY, JSON.stringify(this.range), now);
  }

  /** Whether rows are queued for writing (a drain in progress: the job writes slices on each call until empty). */
  get draining(): boolean {
    return this.queue.length > 0;
  }

  /**
   * Writes pending rows in slices until `deadline` (performance.now() ms; Infinity: all), each slice in its own
   * transaction. Returns whether everything is written.
   */
  flush(deadline = Infinity): boolean {
    while (!this.empty) {
      if (this.queue.length === 0) this.drain();
      this.db.transaction(() => this.slice())();
      if (performance.now() >= deadline) break;
    }
    return this.empty;
  }

  /**
   * Queues the keys of one table's pending rows, grouped by their leading key column in order: consecutive slices then walk the B-tree range by range,
   * so a transaction dirties a few pages per hundred rows instead of a page per row (the WAL takes whole pages:
   * per-row pages made the old per-chunk deltas cost ~100 ms per commit). Grouping is one pass (no full sort: a
   * lead's rows lie on a few neighbouring pages). Rows stay in their map until written, so deltas added to a
   * queued row meanwhile are written with it.
   */
  private drain(): void {
    // The largest table first (it frees the most memory); the span blocks once no day row is left to write, or
    // when they are the largest (they grow only as day rows are written).
    const largest = (ms: DeltaMap[]) =>
      ms.reduce((best, m, i) => (m.size > (ms[best]?.size ?? 0) ? i : best), -1);
    let target = largest(this.pending);
    let span = largest(this.spanPending);
    if (span >= 0 && target >= 0 && this.spanPending[span]!.size <= this.pending[target]!.size) span = -1;
    if (target < 0 && span < 0) return;
    const m = span >= 0 ? this.spanPending[span]! : this.pending[target]!;
    if (span >= 0) target = -1;
    this.queue.push({ target, span, keys: m.keys(), at: 0 });
  }

  /** One transaction: the next SLICE_ROWS queued rows of one table. */
  private slice(): void {
    const q = this.queue[0];
    if (q) {
      const end = Math.min(q.at + SLICE_ROWS, deltaKeyCount(q.keys));
      const m = q.span >= 0 ? this.spanPending[q.span]! : this.pending[q.target]!;
      const t = q.span >= 0 ? null : this.targets[q.target]!;
      const stmt = t ? t.stmt : this.spanStmts[q.span]!;
      // Closed blocks only, decided now (the block of a day that closes later is derived from its day rows).
      const days = t && t.span >= 0 ? closedDays(dayDimsUpto(this.db)) : -Infinity;
      const dayAt = t ? t.keyCols.indexOf('day') : -1;
      const spanCols = t && t.span >= 0 ? spanKeyCols(SPAN_TIERS[t.span]!) : [];
      const colAt = spanCols.map((c) => t!.keyCols.indexOf(c));
      const n = m.cols.length;
      const p = (this.params[n] ??= new Array<number>(n + 2).fill(0));
      const key = this.vals;
      const d = [0, 0];
      const sk = new Array<number>(spanCols.length).fill(0);
      for (let j = q.at; j < end; j++) {
        if (!m.take(q.keys, j, key, d)) continue;
        this.rows--;
        const [dCost, dUnpriced] = d as [number, number];
        if (dCost === 0 && dUnpriced === 0) continue;
        p[0] = dCost;
        p[1] = dUnpriced;
        for (let i = 0; i < n; i++) p[i + 2] = key[i]!;
        stmt.run(p);
        if (days === -Infinity) continue;
        const day = key[dayAt]!;
        for (const span of SPANS) {
          const b = day - (day % span);
          if (b + span > days) continue;
          for (let i = 0; i < spanCols.length; i++) {
            const c = spanCols[i];
            sk[i] = c === 'span' ? span : c === 'day' ? b : key[colAt[i]!]!;
          }
          if (this.spanPending[t!.span]!.add(sk, dCost, dUnpriced)) this.rows++;
        }
      }
      q.at = end;
      if (q.at >= deltaKeyCount(q.keys)) this.queue.shift();
    }
    if (this.rows === 0) {
      this.range = null;
      this.markerDel.run(REPRICE_PENDING_KEY);
    }
  }
}
