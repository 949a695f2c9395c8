import type Database from 'better-sqlite3';
import type { EventsRepository } from '../events/events.repository';
import type { UsageEventInput } from '../types';

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

/**
 * Collects events into chunks; each chunk is one transaction (insertBatch), after which the
 * checkpoint (last committed position) is saved. A crash between the two re-imports one chunk,
 * which dedup turns into duplicates: resuming is always safe.
 */
export class ImportSession {
  private chunk: UsageEventInput[] = [];
  private lastPos = 0;
  readonly report: ImportReport;
  private readonly saveCk: Database.Statement | null;

  constructor(
    private readonly deps: {
      writer: Database.Database;
      events: EventsRepository;
      now: () => number;
      checkpointKey?: string;
      chunkSize: number;
      onProgress?: (p: ImportProgress) => void;
    },
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
    this.saveCk = deps.checkpointKey
      ? deps.writer.prepare(
          `INSERT INTO import_checkpoint(key, position, inserted, duplicates, updated_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET position = excluded.position, inserted = excluded.inserted,
             duplicates = excluded.duplicates, updated_ms = excluded.updated_ms`,
        )
      : null;
    if (deps.checkpointKey) {
      const row = deps.writer
        .prepare('SELECT position FROM import_checkpoint WHERE key = ?')
        .get(deps.checkpointKey) as { position: number } | undefined;
      this.report.resumedFrom = row?.position ?? 0;
    }
    this.report.committedThrough = this.report.resumedFrom;
  }

  /** True when the position was committed by an earlier run. */
  skip(pos: number): boolean {
    return pos <= this.report.resumedFrom;
  }

  add(event: UsageEventInput, pos: number): void {
    this.chunk.push(event);
    this.lastPos = pos;
    if (this.chunk.length >= this.deps.chunkSize) this.flush();
  }

  reject(pos: number, reason: string): void {
    this.report.rejected++;
    this.lastPos = pos;
    if (this.report.rejections.length < 100) this.report.rejections.push({ at: pos, reason });
  }

  flush(upTo?: number): void {
    const pos = upTo ?? this.lastPos;
    if (this.chunk.length) {
      const r = this.deps.events.insertBatch(this.chunk);
      this.report.inserted += r.inserted;
      this.report.duplicates += r.duplicates;
      this.chunk = [];
    }
    if (pos > this.report.committedThrough) this.report.committedThrough = pos;
    if (this.saveCk && pos > this.report.resumedFrom) {
      this.saveCk.run(
        this.deps.checkpointKey,
        pos,
        this.report.inserted,
        this.report.duplicates,
        this.deps.now(),
      );
    }
    this.deps.onProgress?.({
      read: this.report.read,
      inserted: this.report.inserted,
      duplicates: this.report.duplicates,
      rejected: this.report.rejected,
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
  finish(): ImportReport {
    this.flush();
    if (this.deps.checkpointKey)
      this.deps.writer.prepare('DELETE FROM import_checkpoint WHERE key = ?').run(this.deps.checkpointKey);
    return this.report;
  }
}
