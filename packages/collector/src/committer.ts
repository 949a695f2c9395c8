// Zero-loss hand-off to the sink: events count as consumed only after insertBatch resolves. When the sink
// fails, batches are held in memory up to a bound, then appended to the fsync'd spool; a backoff timer
// replays spool then memory, in order. All sink/spool work runs through one serial lock.
import type { Backoff } from './backoff';
import { CollectorError } from './errors';
import type { Spool } from './spool';
import type { CollectorLogger, InsertResult, UsageEvent, UsageSink } from './usage-event';

export interface CommitterCounters {
  consumed: number;
  inserted: number;
  duplicates: number;
  held: number;
  spooled: number;
  spooledTotal: number;
  replayed: number;
}

export interface CommitterOptions {
  sink: UsageSink;
  spool: Spool | null;
  maxHeldEvents: number;
  logger: CollectorLogger;
  backoff: Backoff;
  onCommitted(events: readonly UsageEvent[], result: InsertResult): void;
  onSinkState(failing: boolean, error: CollectorError | null): void;
}

export class Committer {
  private readonly opts: CommitterOptions;
  private mem: UsageEvent[][] = [];
  private memEvents = 0;
  private spoolEvents = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  failing = false;
  failingSinceMs: number | null = null;
  lastError: CollectorError | null = null;
  readonly counters: CommitterCounters = {
    consumed: 0,
    inserted: 0,
    duplicates: 0,
    held: 0,
    spooled: 0,
    spooledTotal: 0,
    replayed: 0,
  };

  constructor(opts: CommitterOptions) {
    this.opts = opts;
    if (opts.spool?.exists()) {
      // Streams the file: a large spool left by an outage is counted without loading it.
      this.spoolEvents = opts.spool.count().events;
      this.counters.spooled = this.spoolEvents;
    }
  }

  /** Serialises every sink/spool operation so order is preserved. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Commits (or durably/boundedly holds) one batch. Resolves when the batch is committed or held. */
  submit(events: UsageEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.serial(async () => {
      this.mem.push(events);
      this.memEvents += events.length;
      if (!this.failing) await this.flushPending();
      this.enforceBound();
      this.syncCounters();
    });
  }

  /** Replays the spool (if any) then memory. Used at start and by the retry timer. */
  replay(): Promise<boolean> {
    return this.serial(async () => {
      const ok = await this.flushPending();
      this.syncCounters();
      return ok;
    });
  }

  /** Re-arms the retry timer after close() (collector restarted with start()). */
  reopen(): void {
    this.closed = false;
  }

  /** Final flush for stop(): one more try, then everything still held goes to the spool. */
  close(): Promise<void> {
    return this.serial(async () => {
      this.closed = true;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      await this.flushPending();
      if (this.mem.length > 0) {
        if (!this.opts.spool) {
          this.opts.logger.error(
            'collector: sink unavailable at stop and no dataDir for a spool; held events are lost',
            { events: this.memEvents },
          );
        } else {
          this.spill();
        }
      }
      this.syncCounters();
    });
  }

  get pendingEvents(): number {
    return this.memEvents + this.spoolEvents;
  }

  private async flushPending(): Promise<boolean> {
    const spool = this.opts.spool;
    if (spool && this.spoolEvents > 0) {
      // One batch line at a time; the cursor moves only after the sink committed that batch.
      let badLines = 0;
      let complete = true;
      for (const entry of spool.pending()) {
        if (!entry.batch) {
          badLines++;
          continue;
        }
        if (!(await this.insert(entry.batch))) {
          complete = false;
          break;
        }
        this.counters.replayed += entry.batch.length;
        this.spoolEvents = Math.max(0, this.spoolEvents - entry.batch.length);
        this.saveCursor(spool, entry.end);
      }
      if (badLines > 0)
        this.opts.logger.warn('collector: skipped unreadable spool lines (torn write after a crash?)', {
          badLines,
        });
      if (!complete) return false;
      try {
        spool.clear();
      } catch (e) {
        this.opts.logger.error('collector: could not remove the replayed spool', {
          error: (e as Error).message,
        });
      }
      this.spoolEvents = 0;
    }
    while (this.mem.length > 0) {
      const batch = this.mem[0] ?? [];
      if (!(await this.insert(batch))) return false;
      this.mem.shift();
      this.memEvents -= batch.length;
    }
    return true;
  }

  private saveCursor(spool: Spool, end: number): void {
    try {
      spool.commit(end);
    } catch (e) {
      // The batch stays before the cursor and is sent again later: harmless (dedup keys), nothing lost.
      this.opts.logger.error('collector: could not save the spool cursor', { error: (e as Error).message });
    }
  }

  private async insert(batch: readonly UsageEvent[]): Promise<boolean> {
    if (batch.length === 0) return true;
    let result: InsertResult;
    try {
      result = await this.opts.sink.insertBatch(batch);
    } catch (e) {
      this.markFailing(e);
      return false;
    }
    const inserted = Number.isFinite(result?.inserted) ? result.inserted : batch.length;
    const duplicates = Number.isFinite(result?.duplicates) ? result.duplicates : 0;
    this.counters.inserted += inserted;
    this.counters.duplicates += duplicates;
    this.counters.consumed += batch.length;
    if (this.failing) {
      this.failing = false;
      this.failingSinceMs = null;
      this.lastError = null;
      this.opts.backoff.reset();
      this.opts.logger.info('collector: sink recovered');
      this.opts.onSinkState(false, null);
    }
    this.opts.onCommitted(batch, { inserted, duplicates });
    return true;
  }

  private markFailing(e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    const err = new CollectorError(
      'sink_failed',
      `The usage sink rejected a batch: ${msg.slice(0, 300)}. Events are held in memory, then spooled to disk, and retried.`,
      { cause: e },
    );
    const first = !this.failing;
    this.failing = true;
    this.failingSinceMs ??= Date.now();
    this.lastError = err;
    if (first) this.opts.logger.warn('collector: sink failing, holding events', { error: msg });
    this.opts.onSinkState(true, err);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    const delay = this.opts.backoff.next();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closed) return;
      void this.replay().then((ok) => {
        if (!ok) this.scheduleRetry();
      });
    }, delay);
    this.retryTimer.unref?.();
  }

  private enforceBound(): void {
    if (this.memEvents <= this.opts.maxHeldEvents || !this.opts.spool) return;
    this.spill();
  }

  private spill(): void {
    const spool = this.opts.spool;
    if (!spool || this.mem.length === 0) return;
    try {
      spool.append(this.mem);
      this.counters.spooledTotal += this.memEvents;
      this.spoolEvents += this.memEvents;
      this.mem = [];
      this.memEvents = 0;
    } catch (e) {
      this.opts.logger.error('collector: spool write failed, keeping events in memory', {
        error: (e as Error).message,
      });
      this.lastError = e instanceof CollectorError ? e : new CollectorError('spool_failed', String(e));
    }
  }

  private syncCounters(): void {
    this.counters.held = this.memEvents;
    this.counters.spooled = this.spoolEvents;
  }
}
