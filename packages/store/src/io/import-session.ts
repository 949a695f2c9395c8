import type Database from 'better-sqlite3';
import type { EventsRepository } from '../events/events.repository';
import type { InsertResult, UsageEventInput } from '../types';

export interface ImportProgress {
  /** Lines (or rows / details) read so far. */
  read: number;
  inserted: number;
  duplicates: number;
  rejected: number;
}

export interface ImportReport extends ImportProgress {
  format:
    | 'cpamp_jsonl'
    | 'plus_jsonl'
    | 'raw_cpa_jsonl'
    | 'mixed_jsonl'
    | 'legacy_snapshot'
    | 'plus_sqlite'
    | 'cpa_manager_sqlite'
    | 'json_array'
    | 'cpamp_json_array'
    | 'plus_json_array'
    | 'raw_cpa_json_array';
  /** Position skipped because a checkpoint said it was already committed. */
  resumedFrom: number;
  /** First rejected records (normaliser reasons), at most 100. */
  rejections: { at: number; reason: string }[];
  warnings: string[];
  /**
   * How a failure leaves the store: each chunk of `chunkSize` events is one transaction; whole chunks
   * before a broken line stay committed, the chunk holding it is not written at all (no partial
   * chunk), and an import with the same checkpointKey resumes after the last committed chunk.
   */
  atomicity: 'per_chunk_resumable';
  /** Events per transaction. */
  chunkSize: number;
  /** The last position (line / row / detail) whose chunk is committed. */
  committedThrough: number;
}

/** Where an import's checkpoint (the last committed position under a key) is kept. */
export interface ImportCheckpoints {
  /** The saved position, 0 when there is none. */
  load(key: string): number | Promise<number>;
  save(key: string, c: { position: number; inserted: number; duplicates: number; updatedMs: number }): void | Promise<void>;
  clear(key: string): void | Promise<void>;
}

/**
 * Where imported events go: the dialect's insertBatch (one transaction per call) and its checkpoint
 * table. Either may answer synchronously (SQLite) or with a Promise (Postgres); the session awaits only
 * what is a Promise, so the SQLite import keeps its speed.
 */
export interface ImportSink {
  insertBatch(events: readonly UsageEventInput[]): InsertResult | Promise<InsertResult>;
  checkpoints: ImportCheckpoints;
}

export interface SessionDeps {
  sink: ImportSink;
  now: () => number;
  checkpointKey?: string;
  chunkSize: number;
  onProgress?: (p: ImportProgress) => void;
}

/** Runs `next` after `p` when it is a Promise, else at once (no microtask for synchronous sinks). */
function then(p: void | Promise<void>, next: () => void | Promise<void>): void | Promise<void> {
  return p instanceof Promise ? p.then(next) : next();
}

/**
 * Collects events into chunks; each chunk is one transaction (insertBatch), after which the
 * checkpoint (last committed position) is saved. A crash between the two re-imports one chunk,
 * which dedup turns into duplicates: resuming is always safe. `add` and `flush` return a Promise
 * only when the sink does: callers await what they get back.
 */
export class ImportSession {
  private chunk: UsageEventInput[] = [];
  private lastPos = 0;
  readonly report: ImportReport;

  private constructor(
    private readonly deps: SessionDeps,
    format: ImportReport['format'],
  ) {
    this.report = {
      format,
      read: 0,
      inserted: 0,
      duplicates: 0,
      rejected: 0,
      resumedFrom: 0,
      rejections: [],
      warnings: [],
      atomicity: 'per_chunk_resumable',
      chunkSize: deps.chunkSize,
      committedThrough: 0,
    };
  }

  static async open(deps: SessionDeps, format: ImportReport['format']): Promise<ImportSession> {
    const s = new ImportSession(deps, format);
    if (deps.checkpointKey) s.report.resumedFrom = await deps.sink.checkpoints.load(deps.checkpointKey);
    s.report.committedThrough = s.report.resumedFrom;
    return s;
  }

  /** True when the position was committed by an earlier run. */
  skip(pos: number): boolean {
    return pos <= this.report.resumedFrom;
  }

  add(event: UsageEventInput, pos: number): void | Promise<void> {
    this.chunk.push(event);
    this.lastPos = pos;
    if (this.chunk.length >= this.deps.chunkSize) return this.flush();
  }

  reject(pos: number, reason: string): void {
    this.report.rejected++;
    this.lastPos = pos;
    if (this.report.rejections.length < 100) this.report.rejections.push({ at: pos, reason });
  }

  flush(upTo?: number): void | Promise<void> {
    const pos = upTo ?? this.lastPos;
    if (this.chunk.length === 0) return this.committed(pos);
    const r = this.deps.sink.insertBatch(this.chunk);
    const counted = (x: InsertResult) => {
      this.report.inserted += x.inserted;
      this.report.duplicates += x.duplicates;
      this.chunk = [];
      return this.committed(pos);
    };
    return r instanceof Promise ? r.then(counted) : counted(r);
  }

  private committed(pos: number): void | Promise<void> {
    if (pos > this.report.committedThrough) this.report.committedThrough = pos;
    const key = this.deps.checkpointKey;
    const saved =
      key && pos > this.report.resumedFrom
        ? this.deps.sink.checkpoints.save(key, {
            position: pos,
            inserted: this.report.inserted,
            duplicates: this.report.duplicates,
            updatedMs: this.deps.now(),
          })
        : undefined;
    return then(saved, () => {
      this.deps.onProgress?.({
        read: this.report.read,
        inserted: this.report.inserted,
        duplicates: this.report.duplicates,
        rejected: this.report.rejected,
      });
    });
  }

  /**
   * A broken position: drops the events collected since the last committed chunk (nothing of that
   * chunk is written) and returns how many were dropped. The checkpoint stays at the last chunk.
   */
  abandon(): number {
    const dropped = this.chunk.length;
    this.chunk = [];
    return dropped;
  }

  /** The whole source is in: the checkpoint is no longer needed. */
  async finish(): Promise<ImportReport> {
    await this.flush();
    if (this.deps.checkpointKey) await this.deps.sink.checkpoints.clear(this.deps.checkpointKey);
    return this.report;
  }
}

/** The SQLite sink: the store's synchronous insertBatch and its import_checkpoint table. */
export function sqliteImportSink(writer: Database.Database, events: EventsRepository): ImportSink {
  let save: Database.Statement | undefined;
  return {
    insertBatch: (batch) => events.insertBatch(batch),
    checkpoints: {
      load: (key) =>
        (
          writer.prepare('SELECT position FROM import_checkpoint WHERE key = ?').get(key) as
            | { position: number }
            | undefined
        )?.position ?? 0,
      save(key, c) {
        save ??= writer.prepare(
          `INSERT INTO import_checkpoint(key, position, inserted, duplicates, updated_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET position = excluded.position, inserted = excluded.inserted,
             duplicates = excluded.duplicates, updated_ms = excluded.updated_ms`,
        );
        save.run(key, c.position, c.inserted, c.duplicates, c.updatedMs);
      },
      clear: (key) => {
        writer.prepare('DELETE FROM import_checkpoint WHERE key = ?').run(key);
      },
    },
  };
}
