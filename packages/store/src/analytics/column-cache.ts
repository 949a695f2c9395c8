import type Database from 'better-sqlite3';
import type { StoreLogger } from '../types';

/** One event as the cache keeps it (what aggregate views need; ~70 bytes in typed arrays). */
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
}

const CHUNK = 50_000;
export const BLOCK_SHIFT = 12;
export const BLOCK = 1 << BLOCK_SHIFT;
/** Cache-only flag bit (unused in stored flags): the row has a numeric request id. */
export const FLAG_CACHE_HAS_REQ = 128;

/**
 * In-process column store of all events (typed arrays) scanned in plain JS: answers filtered
 * views that rollups cannot (key × account × model …) in milliseconds. Filled in the background
 * after open (rollups and SQL answer until it is warm) and appended to on insert.
 */
export class ColumnCache {
  n = 0;
  id = new Uint32Array(0);
  req = new Uint32Array(0);
  latency = new Uint32Array(0);
  ts = new Float64Array(0);
  key = new Uint32Array(0);
  account = new Uint32Array(0);
  model = new Uint32Array(0);
  provider = new Uint16Array(0);
  status = new Uint16Array(0);
  flags = new Uint8Array(0);
  latBucket = new Uint8Array(0);
  input = new Uint32Array(0);
  cacheRead = new Uint32Array(0);
  cacheCreation = new Uint32Array(0);
  output = new Uint32Array(0);
  reasoning = new Uint32Array(0);
  unclassified = new Uint32Array(0);
  cost = new Float64Array(0);
  /** Min / max timestamp per block of BLOCK rows: scans skip blocks outside the range. */
  blockMin = new Float64Array(0);
  blockMax = new Float64Array(0);
  private state: 'cold' | 'warming' | 'warm' = 'cold';
  private generation = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly logger: StoreLogger,
  ) {}

  get warm(): boolean {
    return this.state === 'warm';
  }

  get status_(): 'cold' | 'warming' | 'warm' {
    return this.state;
  }

  private grow(min: number): void {
    if (min <= this.ts.length) return;
    const cap = Math.max(min, Math.ceil(this.ts.length * 1.25), 1024);
    const g = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(
      a: T,
      C: new (n: number) => T,
    ): T => {
      const b = new C(cap);
      b.set(a.subarray(0, this.n) as never);
      return b;
    };
    this.id = g(this.id, Uint32Array);
    this.req = g(this.req, Uint32Array);
    this.latency = g(this.latency, Uint32Array);
    this.ts = g(this.ts, Float64Array);
    this.key = g(this.key, Uint32Array);
    this.account = g(this.account, Uint32Array);
    this.model = g(this.model, Uint32Array);
    this.provider = g(this.provider, Uint16Array);
    this.status = g(this.status, Uint16Array);
    this.flags = g(this.flags, Uint8Array);
    this.latBucket = g(this.latBucket, Uint8Array);
    this.input = g(this.input, Uint32Array);
    this.cacheRead = g(this.cacheRead, Uint32Array);
    this.cacheCreation = g(this.cacheCreation, Uint32Array);
    this.output = g(this.output, Uint32Array);
    this.reasoning = g(this.reasoning, Uint32Array);
    this.unclassified = g(this.unclassified, Uint32Array);
    this.cost = g(this.cost, Float64Array);
    const blocks = Math.ceil(cap / BLOCK);
    const bmin = new Float64Array(blocks);
    const bmax = new Float64Array(blocks);
    bmin.set(this.blockMin.subarray(0, Math.min(this.blockMin.length, blocks)));
    bmax.set(this.blockMax.subarray(0, Math.min(this.blockMax.length, blocks)));
    this.blockMin = bmin;
    this.blockMax = bmax;
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

  private push(r: CacheRow): void {
    const i = this.n++;
    this.id[i] = r.id;
    this.req[i] = r.req ?? 0;
    this.latency[i] = r.latency;
    this.ts[i] = r.ts;
    this.noteTs(i, r.ts);
    this.key[i] = r.keyId;
    this.account[i] = r.accountId;
    this.model[i] = r.modelId;
    this.provider[i] = r.providerId;
    this.status[i] = r.status;
    this.flags[i] = r.flags | (r.req === null ? 0 : FLAG_CACHE_HAS_REQ);
    this.latBucket[i] = r.latBucket;
    this.input[i] = r.input;
    this.cacheRead[i] = r.cacheRead;
    this.cacheCreation[i] = r.cacheCreation;
    this.output[i] = r.output;
    this.reasoning[i] = r.reasoning;
    this.unclassified[i] = r.unclassified;
    this.cost[i] = r.cost ?? NaN;
  }

  /** Called by the write path after commit. Ignored until warm (the warm-up reads them from SQL). */
  append(rows: readonly CacheRow[]): void {
    if (this.state !== 'warm') return;
    this.grow(this.n + rows.length);
    for (const r of rows) this.push(r);
  }

  /** Loads every event in chunks, yielding to the event loop between chunks. */
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
    const count = (this.db.prepare('SELECT count(*) AS c FROM events').get() as { c: number }).c;
    this.n = 0;
    this.grow(Math.ceil(count * 1.05) + 1024);
    const stmt = this.db
      .prepare(
        `SELECT id, ts, key_id, account_id, model_id, provider_id, status, flags, lat_bucket, input, cache_read,
           cache_creation, output, reasoning, unclassified, cost, req, latency FROM events WHERE id > ? ORDER BY id LIMIT ${CHUNK}`,
      )
      .raw();
    let cursor = 0;
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
        this.latency[i] = r[17]!;
        this.ts[i] = r[1]!;
        this.noteTs(i, r[1]!);
        this.key[i] = r[2]!;
        this.account[i] = r[3]!;
        this.model[i] = r[4]!;
        this.provider[i] = r[5]!;
        this.status[i] = r[6]!;
        this.flags[i] = r[7]! | (req === null ? 0 : FLAG_CACHE_HAS_REQ);
        this.latBucket[i] = r[8]!;
        this.input[i] = r[9]!;
        this.cacheRead[i] = r[10]!;
        this.cacheCreation[i] = r[11]!;
        this.output[i] = r[12]!;
        this.reasoning[i] = r[13]!;
        this.unclassified[i] = r[14]!;
        this.cost[i] = r[15] ?? NaN;
      }
      cursor = rows[rows.length - 1]![0]!;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (gen !== this.generation) return;
    // The last empty read and this flip happen in one tick: no insert can fall between them.
    this.state = 'warm';
    this.logger.info({ events: this.n, ms: Date.now() - started }, 'store column cache warm');
  }

  /** Drops the cache (after deletes or re-pricing); call warmUp() again to refill. */
  invalidate(): void {
    this.inflight = null;
    this.generation++;
    this.state = 'cold';
    this.n = 0;
  }

  bytes(): number {
    return this.ts.length * 70;
  }
}
