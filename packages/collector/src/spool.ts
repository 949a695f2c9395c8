// Durable overflow for events the sink could not take: fsync'd JSONL, one batch per line, replayed in order.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
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

export interface SpoolLoadResult {
  batches: UsageEvent[][];
  /** Lines that could not be parsed (a torn last line after kill -9, or corruption). */
  badLines: number;
}

export class Spool {
  readonly path: string;

  constructor(dataDir: string, fileName = 'collector-spool.jsonl') {
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (e) {
      throw new CollectorError(
        'spool-failed',
        `Cannot create the collector data directory ${dataDir}: ${(e as Error).message}. Check the path and its permissions.`,
        { cause: e },
      );
    }
    this.path = join(dataDir, fileName);
  }

  /** Appends batches and fsyncs before returning: once this resolves, the events survive a crash. */
  append(batches: readonly (readonly UsageEvent[])[]): void {
    if (batches.length === 0) return;
    const text = batches
      .map((events) => `${JSON.stringify({ v: 1, events } satisfies SpoolLine)}\n`)
      .join('');
    let fd: number | undefined;
    try {
      fd = openSync(this.path, 'a');
      writeSync(fd, text);
      fsyncSync(fd);
    } catch (e) {
      throw new CollectorError(
        'spool-failed',
        `Cannot write the collector spool ${this.path}: ${(e as Error).message}. Free disk space or fix permissions; events are kept in memory meanwhile.`,
        { cause: e },
      );
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  exists(): boolean {
    return existsSync(this.path) && statSync(this.path).size > 0;
  }

  load(): SpoolLoadResult {
    if (!existsSync(this.path)) return { batches: [], badLines: 0 };
    const text = readFileSync(this.path, 'utf8');
    const batches: UsageEvent[][] = [];
    let badLines = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const parsed = JSON.parse(line) as Partial<SpoolLine>;
        if (parsed.v === 1 && Array.isArray(parsed.events)) batches.push([...parsed.events]);
        else badLines++;
      } catch {
        badLines++;
      }
    }
    return { batches, badLines };
  }

  /** Rewrites the spool with only the batches still pending (atomic rename), or removes it. */
  replace(batches: readonly (readonly UsageEvent[])[]): void {
    try {
      if (batches.length === 0) {
        if (existsSync(this.path)) unlinkSync(this.path);
        return;
      }
      const tmp = `${this.path}.tmp`;
      if (existsSync(tmp)) unlinkSync(tmp);
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, batches.map((events) => `${JSON.stringify({ v: 1, events })}\n`).join(''));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    } catch (e) {
      throw new CollectorError(
        'spool-failed',
        `Cannot rewrite the collector spool ${this.path}: ${(e as Error).message}.`,
        { cause: e },
      );
    }
  }
}
