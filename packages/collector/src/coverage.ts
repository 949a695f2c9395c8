// Gap awareness: a heartbeat file in dataDir tells the next start how long the collector was down, and
// transport events (drops, reconnects, long outages) become coverage gaps the server can show.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectorLogger, CoverageGap, CoverageKind, CoverageSink } from './usage-event';

interface HeartbeatFile {
  v: 1;
  lastAliveMs: number;
  cleanStop: boolean;
}

export class CoverageTracker {
  private readonly file: string | null;
  private readonly sink: CoverageSink | undefined;
  private readonly logger: CollectorLogger;
  private readonly onGap: (gap: CoverageGap) => void;
  readonly recent: CoverageGap[] = [];
  count = 0;

  constructor(opts: {
    dataDir: string | undefined;
    sink: CoverageSink | undefined;
    logger: CollectorLogger;
    onGap: (g: CoverageGap) => void;
  }) {
    this.file = opts.dataDir ? join(opts.dataDir, 'collector-heartbeat.json') : null;
    this.sink = opts.sink;
    this.logger = opts.logger;
    this.onGap = opts.onGap;
  }

  /** When the previous run was last known alive (null on first start or without dataDir). */
  readLastAlive(): { lastAliveMs: number; cleanStop: boolean } | null {
    if (!this.file || !existsSync(this.file)) return null;
    try {
      const hb = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<HeartbeatFile>;
      if (typeof hb.lastAliveMs !== 'number') return null;
      return { lastAliveMs: hb.lastAliveMs, cleanStop: hb.cleanStop === true };
    } catch {
      return null;
    }
  }

  beat(nowMs: number, cleanStop = false): void {
    if (!this.file) return;
    try {
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, JSON.stringify({ v: 1, lastAliveMs: nowMs, cleanStop } satisfies HeartbeatFile), { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (e) {
      this.logger.warn('collector: cannot write heartbeat file', { error: (e as Error).message });
    }
  }

  async record(
    kind: CoverageKind,
    startMs: number,
    endMs: number,
    retentionSeconds: number | null,
    detail: string,
  ): Promise<CoverageGap> {
    const lossLikely =
      kind === 'subscriber-dropped' ||
      (retentionSeconds !== null && endMs - startMs > retentionSeconds * 1000);
    const gap: CoverageGap = {
      kind,
      startMs,
      endMs,
      lossLikely,
      retentionSeconds,
      detail: `${detail} (${describeSpan(startMs, endMs, retentionSeconds)})`,
    };
    this.count++;
    this.recent.push(gap);
    if (this.recent.length > 50) this.recent.shift();
    this.onGap(gap);
    try {
      await this.sink?.recordGap(gap);
    } catch (e) {
      this.logger.warn('collector: coverage sink failed', { error: (e as Error).message });
    }
    return gap;
  }
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function human(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  return `${Math.round(m / 60)} h`;
}

export function describeSpan(startMs: number, endMs: number, retentionSeconds: number | null): string {
  const ret = retentionSeconds === null ? 'retention unknown' : `retention ${retentionSeconds} s`;
  return `no data ${hhmm(startMs)}–${hhmm(endMs)} UTC, ${human(endMs - startMs)}, ${ret}`;
}
