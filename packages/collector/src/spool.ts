// Durable overflow for events the sink could not take: fsync'd JSONL, one batch per line, replayed in order.
// Replay streams the file in fixed-size chunks (memory ≈ one chunk + one batch line, whatever the file
// size) and persists a byte cursor after each committed batch, so a crash mid-replay re-sends at most
// one batch (harmless: dedup keys) and never skips one.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { CollectorError } from './errors';
import type { UsageEvent } from './usage-event';

interface SpoolLine {
  v: 1;
  events: readonly UsageEvent[];
}

/** One spool line: a batch, or null for a line that cannot be parsed (torn write after kill -9). */
export interface SpoolEntry {
  batch: UsageEvent[] | null;
  /** Byte offset just past this line: commit(end) once the batch is in the sink. */
  end: number;
}

const DEFAULT_CHUNK_BYTES = 64 * 1024;

export class Spool {
  readonly path: string;
  readonly cursorPath: string;
  private readonly chunkBytes: number;
  /** Largest number of bytes held while reading (chunk + the current line); for tests and status. */
  peakReadBytes = 0;

  constructor(dataDir: string, fileName = 'collector-spool.jsonl', opts: { chunkBytes?: number } = {}) {
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new CollectorError(
        'spool_failed',
        `Cannot create the collector data directory ${dataDir}: ${(e as Error).message}. Check the path and its permissions.`,
        { cause: e },
      );
    }
    this.path = join(dataDir, fileName);
    this.cursorPath = `${this.path}.cursor`;
    this.chunkBytes = Math.max(16, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  }

  /** Appends batches and fsyncs before returning: once this returns, the events survive a crash. */
  append(batches: readonly (readonly UsageEvent[])[]): void {
    if (batches.length === 0) return;
    let text = batches.map((events) => `${JSON.stringify({ v: 1, events } satisfies SpoolLine)}\n`).join('');
    let fd: number | undefined;
    try {
      // A cursor without its file is stale (file removed by hand): it must not skip the new file's lines.
      if (!existsSync(this.path) && existsSync(this.cursorPath)) unlinkSync(this.cursorPath);
      fd = openSync(this.path, 'a+', 0o600);
      // After a torn last line (kill -9 mid-write) start on a fresh line, so the new batch stays readable.
      const size = fstatSync(fd).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) text = `\n${text}`;
      }
      writeSync(fd, text);
      fsyncSync(fd);
    } catch (e) {
      throw new CollectorError(
        'spool_failed',
        `Cannot write the collector spool ${this.path}: ${(e as Error).message}. Free disk space or fix permissions; events are kept in memory meanwhile.`,
        { cause: e },
      );
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  exists(): boolean {
    return existsSync(this.path) && statSync(this.path).size > this.cursor();
  }

  /** Streams the batches not yet committed, oldest first, one line at a time. */
  *pending(): Generator<SpoolEntry> {
    if (!existsSync(this.path)) return;
    const fd = openSync(this.path, 'r');
    try {
      let pos = this.cursor();
      if (pos > fstatSync(fd).size) pos = 0; // a stale cursor must never skip a newer file's lines
      const buf = Buffer.alloc(this.chunkBytes);
      let carry: Buffer[] = [];
      let carryLen = 0;
      let lineStart = pos;
      for (;;) {
        const n = readSync(fd, buf, 0, this.chunkBytes, pos);
        if (n === 0) break;
        const chunkStart = pos;
        pos += n;
        let from = 0;
        for (;;) {
          const nl = buf.indexOf(0x0a, from);
          if (nl === -1 || nl >= n) {
            carry.push(Buffer.from(buf.subarray(from, n)));
            carryLen += n - from;
            this.peakReadBytes = Math.max(this.peakReadBytes, carryLen + this.chunkBytes);
            break;
          }
          const piece = buf.subarray(from, nl);
          this.peakReadBytes = Math.max(this.peakReadBytes, carryLen + this.chunkBytes);
          const line = (carryLen > 0 ? Buffer.concat([...carry, piece]) : piece).toString('utf8');
          carry = [];
          carryLen = 0;
          from = nl + 1;
          const end = chunkStart + nl + 1;
          lineStart = end;
          if (line.trim() === '') continue;
          yield { batch: parseLine(line), end };
        }
      }
      // No newline at the end: a torn write (kill -9 mid-append); reported as unreadable.
      if (carryLen > 0) yield { batch: null, end: lineStart + carryLen };
    } finally {
      closeSync(fd);
    }
  }

  /** Events and batches still pending (streams the file). */
  count(): { events: number; batches: number; badLines: number } {
    let events = 0;
    let batches = 0;
    let badLines = 0;
    for (const e of this.pending()) {
      if (e.batch) {
        events += e.batch.length;
        batches++;
      } else badLines++;
    }
    return { events, batches, badLines };
  }

  /** Everything before `end` is in the sink: persist the cursor (fsync'd, atomic rename). */
  commit(end: number): void {
    try {
      const tmp = `${this.cursorPath}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, String(end));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.cursorPath);
    } catch (e) {
      throw new CollectorError(
        'spool_failed',
        `Cannot save the collector spool cursor ${this.cursorPath}: ${(e as Error).message}.`,
        { cause: e },
      );
    }
  }

  /** The whole spool is in the sink: remove it (cursor first, so a crash in between only re-sends). */
  clear(): void {
    try {
      if (existsSync(this.cursorPath)) unlinkSync(this.cursorPath);
      if (existsSync(this.path)) unlinkSync(this.path);
    } catch (e) {
      throw new CollectorError(
        'spool_failed',
        `Cannot remove the replayed collector spool ${this.path}: ${(e as Error).message}.`,
        { cause: e },
      );
    }
  }

  private cursor(): number {
    try {
      if (!existsSync(this.cursorPath)) return 0;
      const n = Number(readFileSync(this.cursorPath, 'utf8').trim());
      return Number.isSafeInteger(n) && n > 0 ? n : 0;
    } catch {
      return 0; // unreadable cursor → replay from the start (duplicates are harmless, loss is not)
    }
  }
}

function parseLine(line: string): UsageEvent[] | null {
  try {
    const parsed = JSON.parse(line) as Partial<SpoolLine>;
    return parsed.v === 1 && Array.isArray(parsed.events) ? [...parsed.events] : null;
  } catch {
    return null;
  }
}
