import type Database from 'better-sqlite3';
import { FLAG_CACHE_HAS_REQ } from '../events/event-flags';
import type { StoreLogger } from '../types';
import { cacheWindow } from './cache-window';

/** One event as the cache keeps it (what aggregate views and the legacy payload need). */
export interface CacheRow {
  id: number;
  /** CPA request id as a 32-bit integer, or null (non-hex or empty). */
  req: number | null;
  latency: number;
  ts: number;
  keyId: number;
  accountId: number;
  modelId: number;
  providerId: number;
  status: number;
  flags: number;
  latBucket: number;
  input: number;
  cacheRead: number;
  cacheCreation: number;
  output: number;
  reasoning: number;
  unclassified: number;
  cost: number | null;
  ttft: number;
  aliasId: number;
  endpointId: number;
  sourceId: number;
  executorId: number;
  effortId: number;
  tierId: number;
  respTierId: number;
  /** The CPA (upstream dictionary id) the event came from; 1 = "default". */
  upstreamId: number;
}

/** Rows per SQL read while warming: small enough that a request waits at most a few ms for the loop. */
const CHUNK = 8192;
export const BLOCK_SHIFT = 12;
export const BLOCK = 1 << BLOCK_SHIFT;
/** Ids per combo: alias, endpoint, executor, effort, tier, response tier. */
export const COMBO_WIDTH = 6;

export type Col = Float64Array | Uint32Array | Uint16Array | Uint8Array;
/** An integer column that starts at one byte per value and widens (u8 → u16 → u32) on the first value that needs it. */
export type IntCol = Uint8Array | Uint16Array | Uint32Array;
/**
 * Cost in integer micros (what the store computes and keeps) as u32, COST_UNPRICED for an unpriced event; the
 * column becomes Float64 (unpriced = NaN) on the first value that is not such an integer below COST_UNPRICED.
 */
export type CostCol = Uint32Array | Float64Array;
export const COST_UNPRICED = 0xffffffff;
type ColCtor = new (n: number) => Col;
/**
 * Column name → element type (the snapshot file keeps this order, each column 8-byte aligned). Adaptive
 * columns (`true`) hold ids and counts that are small in practice (a few hundred keys, sub-65k token
 * buckets): stored at the narrowest width their values need so far, which roughly halves the cache.
 * `cost` is adaptive too, with two widths only (see CostCol).
 */
export const COLUMNS: readonly (readonly [ColumnName, ColCtor, boolean])[] = [
  ['ts', Float64Array, false],
  ['cost', Uint32Array, true],
  ['id', Uint32Array, false],
  ['req', Uint32Array, false],
  ['latency', Uint8Array, true],
  ['ttft', Uint8Array, true],
  ['key', Uint8Array, true],
  ['account', Uint8Array, true],
  ['model', Uint8Array, true],
  ['combo', Uint8Array, true],
  ['source', Uint8Array, true],
  ['input', Uint8Array, true],
  ['cacheRead', Uint8Array, true],
  ['cacheCreation', Uint8Array, true],
  ['output', Uint8Array, true],
  ['reasoning', Uint8Array, true],
  ['unclassified', Uint8Array, true],
  ['provider', Uint8Array, true],
  ['status', Uint8Array, true],
  ['flags', Uint8Array, false],
  ['latBucket', Uint8Array, false],
  // One byte per event while there are under 256 CPAs: upstream filters are answered here, not by raw SQL.
  ['upstream', Uint8Array, true],
];
const CTOR_OF_WIDTH: Record<number, ColCtor> = {
  1: Uint8Array,
  2: Uint16Array,
  4: Uint32Array,
  8: Float64Array,
};
/** The constructor for an element width in bytes (snapshot restore), or undefined. */
export function ctorOfWidth(width: number): ColCtor | undefined {
  return CTOR_OF_WIDTH[width];
}
const widthOf = (c: Col): number => c.BYTES_PER_ELEMENT;
/** Columns that widen on demand (see COLUMNS). */
type AdaptiveName =
  | 'latency'
  | 'ttft'
  | 'key'
  | 'account'
  | 'model'
  | 'combo'
  | 'source'
  | 'provider'
  | 'status'
  | 'input'
  | 'cacheRead'
  | 'cacheCreation'
  | 'output'
  | 'reasoning'
  | 'unclassified'
  | 'upstream';
export type ColumnName =
  | 'ts'
  | 'cost'
  | 'id'
  | 'req'
  | 'latency'
  | 'ttft'
  | 'key'
  | 'account'
  | 'model'
  | 'combo'
  | 'source'
  | 'input'
  | 'cacheRead'
  | 'cacheCreation'
  | 'output'
  | 'reasoning'
  | 'unclassified'
  | 'provider'
  | 'status'
  | 'flags'
  | 'latBucket'
  | 'upstream';

export const CACHE_SELECT = `SELECT id, ts, key_id, account_id, model_id, provider_id, status, flags, lat_bucket, input, cache_read,
  cache_creation, output, reasoning, unclassified, cost, req, latency, ttft, alias_id, endpoint_id, source_id,
  executor_id, effort_id, tier_id, resp_tier_id, upstream_id FROM events`;

/**
 * Allocates every column for `cap` rows as views into ONE ArrayBuffer: a single external allocation
 * instead of twenty, which keeps V8 from running a full GC for each (seen as a GC storm at start).
 * `widths[k]` is column k's element size in bytes (default: each column's initial type).
 */
export function allocColumns(cap: number, widths?: readonly number[]): [ColumnName, Col][] {
  let total = 0;
  const offsets: number[] = [];
  const ctors = COLUMNS.map(([, C], k) => (widths ? ctorOfWidth(widths[k]!) : undefined) ?? C);
  for (const C of ctors) {
    offsets.push(total);
    total += (cap * (C as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT + 7) & ~7;
  }
  const ab = new ArrayBuffer(total);
  return COLUMNS.map(([name], k) => [
    name,
    new (ctors[k] as unknown as new (b: ArrayBuffer, o: number, n: number) => Col)(ab, offsets[k]!, cap),
  ]);
}

/** Largest value each width holds. */
const MAX_OF_WIDTH: Record<number, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };

/**
 * In-process column store of all events (typed arrays) scanned in plain JS: answers filtered
 * views that rollups cannot (key × account × model …) in milliseconds. Filled in the background
 * after open (from a snapshot file when one is valid, else from SQL in small slices; rollups and SQL
 * answer until it is warm) and appended to on insert. The low-cardinality labels of an event
 * (alias, endpoint, executor, effort, tiers) are interned as one "combo" id: 4 bytes per event.
 */
export class ColumnCache {
  n = 0;
  id = new Uint32Array(0);
  req = new Uint32Array(0);
  latency: IntCol = new Uint8Array(0);
  ttft: IntCol = new Uint8Array(0);
  ts = new Float64Array(0);
  key: IntCol = new Uint8Array(0);
  account: IntCol = new Uint8Array(0);
  model: IntCol = new Uint8Array(0);
  combo: IntCol = new Uint8Array(0);
  /** Source label id (account email / project / masked key label): too many values for a combo. */
  source: IntCol = new Uint8Array(0);
  provider: IntCol = new Uint8Array(0);
  status: IntCol = new Uint8Array(0);
  flags = new Uint8Array(0);
  latBucket = new Uint8Array(0);
  input: IntCol = new Uint8Array(0);
  cacheRead: IntCol = new Uint8Array(0);
  cacheCreation: IntCol = new Uint8Array(0);
  output: IntCol = new Uint8Array(0);
  reasoning: IntCol = new Uint8Array(0);
  unclassified: IntCol = new Uint8Array(0);
  cost: CostCol = new Uint32Array(0);
  /** Upstream (CPA) dictionary id. */
  upstream: IntCol = new Uint8Array(0);
  /** Min / max timestamp per block of BLOCK rows: scans skip blocks outside the range. */
  blockMin = new Float64Array(0);
  blockMax = new Float64Array(0);
  /** Flat combo table: combo c's ids are comboIds[c * COMBO_WIDTH + 0..6]. */
  comboIds: number[] = [];
  private comboIndex = new Map<string, number>();
  private state: 'cold' | 'warming' | 'warm' = 'cold';
  private generation = 0;
  /** Rows [0, snapshotRows) came from (or were written to) the snapshot file. */
  snapshotRows = 0;
  /**
   * Memory bound (see cache-window.ts): when set (> 0) and the store holds more events, a load keeps only
   * the newest `maxEvents`; `floorMs` is then the first instant from which every event is in the cache.
   */
  maxEvents = 0;
  floorMs = -Infinity;
  /** With a window: how many stored events are older than it (ids up to windowAfterId), for the event count. */
  leftOut = 0;
  private windowAfterId = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly logger: StoreLogger,
    /** Optional fast start: fills the cache from a snapshot and returns how many rows it restored. */
    private readonly restore: ((cache: ColumnCache) => Promise<number>) | null = null,
  ) {}

  get warm(): boolean {
    return this.state === 'warm';
  }

  /** Named apart from `status` (the HTTP status column). */
  get loadState(): 'cold' | 'warming' | 'warm' {
    return this.state;
  }

  /** Bumps on invalidate(): async readers/writers of the arrays check it to detect a reload. */
  get gen(): number {
    return this.generation;
  }

  col(name: ColumnName): Col {
    return this[name];
  }

  setCol(name: ColumnName, a: Col): void {
    (this as unknown as Record<ColumnName, Col>)[name] = a;
  }

  /** Makes room for `min` rows (with 25 % headroom when it has to move). */
  grow(min: number): void {
    if (min <= this.ts.length) return;
    const cap = Math.max(min, Math.ceil(this.ts.length * 1.25), 1024);
    for (const [name, b] of allocColumns(cap, this.widths())) {
      b.set(this.col(name).subarray(0, this.n) as never);
      this.setCol(name, b);
    }
    const blocks = Math.ceil(cap / BLOCK);
    const bmin = new Float64Array(blocks);
    const bmax = new Float64Array(blocks);
    bmin.set(this.blockMin.subarray(0, Math.min(this.blockMin.length, blocks)));
    bmax.set(this.blockMax.subarray(0, Math.min(this.blockMax.length, blocks)));
    this.blockMin = bmin;
    this.blockMax = bmax;
  }

  /** Each column's current element size in bytes, in COLUMNS order. */
  widths(): number[] {
    return COLUMNS.map(([name]) => widthOf(this.col(name)));
  }

  /** Stores v at row i of an adaptive column, widening the column first when v does not fit. */
  private put(name: AdaptiveName, i: number, v: number): void {
    let a = this[name];
    if (!(v >= 0 && v <= MAX_OF_WIDTH[a.BYTES_PER_ELEMENT]!)) {
      // Negative or non-integer-range values keep the u32 behaviour of a fixed-width column.
      const b: IntCol = v >= 0 && v <= 0xffff ? new Uint16Array(a.length) : new Uint32Array(a.length);
      b.set(a);
      this[name] = b;
      a = b;
    }
    a[i] = v;
  }

  /** Stores an event's cost (micros, null = unpriced) at row i, widening the column to Float64 when it must. */
  private putCost(i: number, v: number | null): void {
    let a = this.cost;
    if (a instanceof Uint32Array) {
      if (v === null) {
        a[i] = COST_UNPRICED;
        return;
      }
      if (Number.isInteger(v) && v >= 0 && v < COST_UNPRICED) {
        a[i] = v;
        return;
      }
      const b = new Float64Array(a.length);
      for (let k = 0; k < a.length; k++) b[k] = a[k] === COST_UNPRICED ? NaN : a[k]!;
      this.cost = a = b;
    }
    a[i] = v ?? NaN;
  }

  /**
   * What an unpriced event's cost reads as: scans count a row as unpriced when `x === mark || x !== x` (NaN once
   * the column is Float64; the mark then matches nothing).
   */
  get costUnpriced(): number {
    return this.cost instanceof Uint32Array ? COST_UNPRICED : NaN;
  }

  private noteTs(i: number, t: number): void {
    const b = i >> BLOCK_SHIFT;
    if ((i & (BLOCK - 1)) === 0) {
      this.blockMin[b] = t;
      this.blockMax[b] = t;
    } else {
      if (t < this.blockMin[b]!) this.blockMin[b] = t;
      if (t > this.blockMax[b]!) this.blockMax[b] = t;
    }
  }

  /** Recomputes the per-block time bounds of rows [0, n) (after a snapshot restore). */
  rebuildBlocks(): void {
    for (let i = 0; i < this.n; i++) this.noteTs(i, this.ts[i]!);
  }

  /** Takes over restored columns holding `n` rows (snapshot restore). */
  install(cols: readonly (readonly [ColumnName, Col])[], n: number, combos: ArrayLike<number>): void {
    for (const [name, a] of cols) this.setCol(name, a);
    const blocks = Math.ceil(this.ts.length / BLOCK);
    this.blockMin = new Float64Array(blocks);
    this.blockMax = new Float64Array(blocks);
    this.n = n;
    this.setCombos(combos);
    this.rebuildBlocks();
  }

  /** Replaces the combo table (snapshot restore). */
  setCombos(ids: ArrayLike<number>): void {
    this.comboIds = Array.from(ids);
    this.comboIndex.clear();
    for (let c = 0; c * COMBO_WIDTH < this.comboIds.length; c++)
      this.comboIndex.set(this.comboIds.slice(c * COMBO_WIDTH, (c + 1) * COMBO_WIDTH).join(','), c);
  }

  comboOf(
    alias: number,
    endpoint: number,
    executor: number,
    effort: number,
    tier: number,
    respTier: number,
  ): number {
    const k = `${alias},${endpoint},${executor},${effort},${tier},${respTier}`;
    let c = this.comboIndex.get(k);
    if (c === undefined) {
      c = this.comboIds.length / COMBO_WIDTH;
      this.comboIds.push(alias, endpoint, executor, effort, tier, respTier);
      this.comboIndex.set(k, c);
    }
    return c;
  }

  get combos(): number {
    return this.comboIds.length / COMBO_WIDTH;
  }

  private push(r: CacheRow): void {
    const i = this.n++;
    this.id[i] = r.id;
    this.req[i] = r.req ?? 0;
    this.put('latency', i, r.latency);
    this.put('ttft', i, r.ttft);
    this.ts[i] = r.ts;
    this.noteTs(i, r.ts);
    this.put('key', i, r.keyId);
    this.put('account', i, r.accountId);
    this.put('model', i, r.modelId);
    this.put('combo', i, this.comboOf(r.aliasId, r.endpointId, r.executorId, r.effortId, r.tierId, r.respTierId));
    this.put('source', i, r.sourceId);
    this.put('provider', i, r.providerId);
    this.put('status', i, r.status);
    this.flags[i] = r.flags | (r.req === null ? 0 : FLAG_CACHE_HAS_REQ);
    this.latBucket[i] = r.latBucket;
    this.put('input', i, r.input);
    this.put('cacheRead', i, r.cacheRead);
    this.put('cacheCreation', i, r.cacheCreation);
    this.put('output', i, r.output);
    this.put('reasoning', i, r.reasoning);
    this.put('unclassified', i, r.unclassified);
    this.putCost(i, r.cost);
    this.put('upstream', i, r.upstreamId);
  }

  /** Called by the write path after commit. Ignored until warm (the warm-up reads them from SQL). */
  append(rows: readonly CacheRow[]): void {
    if (this.state !== 'warm') return;
    this.grow(this.n + rows.length);
    for (const r of rows) this.push(r);
  }

  /** Loads every event, yielding to the event loop between small chunks. */
  warmUp(): Promise<void> {
    if (this.state === 'warm') return Promise.resolve();
    if (this.state === 'warming' && this.inflight) return this.inflight;
    const p = this.load().finally(() => {
      if (this.inflight === p) this.inflight = null;
    });
    this.inflight = p;
    return p;
  }

  private inflight: Promise<void> | null = null;

  private async load(): Promise<void> {
    this.state = 'warming';
    const gen = ++this.generation;
    const started = Date.now();
    this.n = 0;
    this.snapshotRows = 0;
    this.setCombos([]);
    this.floorMs = -Infinity;
    this.leftOut = 0;
    let cursor = 0;
    // Full capacity, allocated after the first chunk (see below); 0 = grow as rows come.
    let presize = 0;
    const window = cacheWindow(this.db, this.maxEvents);
    if (window) {
      // Newest events only (a snapshot holds all of them): start after the last left-out id.
      cursor = window.afterId;
      this.floorMs = window.floorMs;
      this.leftOut = window.leftOut;
      this.windowAfterId = window.afterId;
      presize = Math.ceil(this.maxEvents * 1.02) + 1024;
    } else if (this.restore) {
      try {
        const rows = await this.restore(this);
        if (gen !== this.generation) return;
        if (rows > 0) {
          cursor = this.id[this.n - 1]!;
          this.snapshotRows = this.n;
        }
      } catch (e) {
        if (gen !== this.generation) return;
        this.logger.warn({ err: e }, 'store column cache snapshot unusable, loading from SQL');
        this.n = 0;
        this.setCombos([]);
      }
    }
    const restored = this.n;
    if (restored === 0 && !window) {
      const count = (this.db.prepare('SELECT count(*) AS c FROM events').get() as { c: number }).c;
      presize = Math.ceil(count * 1.02) + 1024;
    }
    const stmt = this.db.prepare(`${CACHE_SELECT} WHERE id > ? ORDER BY id LIMIT ${CHUNK}`).raw();
    for (;;) {
      if (gen !== this.generation) return;
      const rows = stmt.all(cursor) as number[][];
      if (rows.length === 0) break;
      this.grow(this.n + rows.length);
      for (const r of rows) {
        const i = this.n++;
        this.id[i] = r[0]!;
        const req = r[16] as number | null;
        this.req[i] = req ?? 0;
        this.put('latency', i, r[17]!);
        this.put('ttft', i, r[18]!);
        this.ts[i] = r[1]!;
        this.noteTs(i, r[1]!);
        this.put('key', i, r[2]!);
        this.put('account', i, r[3]!);
        this.put('model', i, r[4]!);
        this.put('combo', i, this.comboOf(r[19]!, r[20]!, r[22]!, r[23]!, r[24]!, r[25]!));
        this.put('source', i, r[21]!);
        this.put('provider', i, r[5]!);
        this.put('status', i, r[6]!);
        this.flags[i] = r[7]! | (req === null ? 0 : FLAG_CACHE_HAS_REQ);
        this.latBucket[i] = r[8]!;
        this.put('input', i, r[9]!);
        this.put('cacheRead', i, r[10]!);
        this.put('cacheCreation', i, r[11]!);
        this.put('output', i, r[12]!);
        this.put('reasoning', i, r[13]!);
        this.put('unclassified', i, r[14]!);
        this.putCost(i, r[15] ?? null);
        this.put('upstream', i, r[26]!);
      }
      if (presize > 0) {
        // The first chunk has widened the adaptive columns to what the data needs: the full-size buffer now
        // gets those widths, instead of one-byte slices left dead (and u16 copies) by later widening.
        this.grow(presize);
        presize = 0;
      }
      cursor = rows[rows.length - 1]![0]!;
      if (rows.length < CHUNK) continue; // the next read is (almost always) the empty one: no yield
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (gen !== this.generation) return;
    // The last empty read and this flip happen in one tick: no insert can fall between them.
    this.state = 'warm';
    this.logger.info(
      { events: this.n, fromSnapshot: restored, ms: Date.now() - started, floorMs: this.floorMs },
      'store column cache warm',
    );
  }

  /** Whether every event from `fromMs` on is in the cache (always, unless a window left old ones out). */
  covers(fromMs: number | undefined): boolean {
    return this.floorMs === -Infinity || (fromMs !== undefined && fromMs >= this.floorMs);
  }

  /** Rows a scan of [fromMs, toMs) would read: those of every block whose time span overlaps it (an upper bound). */
  rowsIn(fromMs: number, toMs: number): number {
    let rows = 0;
    const nBlocks = (this.n + BLOCK - 1) >> BLOCK_SHIFT;
    for (let b = 0; b < nBlocks; b++)
      if (this.blockMax[b]! >= fromMs && this.blockMin[b]! < toMs) rows += Math.min(BLOCK, this.n - (b << BLOCK_SHIFT));
    return rows;
  }

  /** Row index of an event id (rows are in ascending id order), or -1. */
  indexOf(id: number): number {
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.id[mid]!;
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * Removes deleted events in place (retention): one compaction pass instead of a reload, so the
   * views never fall back to SQL after a prune. A cache that is still loading reloads instead.
   */
  removeIds(ids: readonly number[]): void {
    if (ids.length === 0 || this.state === 'cold') return;
    if (this.state !== 'warm') {
      this.invalidate();
      void this.warmUp().catch((e) => this.logger.error({ err: e }, 'store column cache reload failed'));
      return;
    }
    // Retention deletes the oldest events first: those outside the window only lower the count.
    if (this.leftOut > 0) for (const id of ids) if (id <= this.windowAfterId) this.leftOut--;
    const gone = new Set(ids);
    let out = 0;
    for (let i = 0; i < this.n; i++) {
      if (gone.has(this.id[i]!)) continue;
      if (out !== i) for (const [name] of COLUMNS) this.col(name)[out] = this.col(name)[i]!;
      out++;
    }
    this.n = out;
    this.snapshotRows = 0;
    this.generation++; // an async snapshot write in progress is discarded
    this.rebuildBlocks();
  }

  /** Re-pricing: the new cost and flags of one event, in place. */
  updateCost(id: number, cost: number | null, flags: number): void {
    if (this.state !== 'warm') return;
    const i = this.indexOf(id);
    if (i < 0) return;
    this.putCost(i, cost);
    this.flags[i] = flags | (this.flags[i]! & FLAG_CACHE_HAS_REQ);
    this.snapshotRows = 0;
    this.generation++; // an async snapshot write in progress is discarded
  }

  /** Drops the cache; call warmUp() again to refill. */
  invalidate(): void {
    this.inflight = null;
    this.generation++;
    this.state = 'cold';
    this.n = 0;
    this.leftOut = 0;
    this.snapshotRows = 0;
  }

  /** Releases the arrays (close). */
  release(): void {
    this.invalidate();
    for (const [name, C] of COLUMNS) this.setCol(name, new C(0));
    this.blockMin = new Float64Array(0);
    this.blockMax = new Float64Array(0);
    this.setCombos([]);
  }

  bytes(): number {
    let b = this.comboIds.length * 8;
    for (const [name] of COLUMNS) b += this.col(name).byteLength;
    return b;
  }
}
