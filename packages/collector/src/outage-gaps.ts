// Outage accounting: remembers when collection stopped (a failed transport, a dropped subscription, the
// collector itself being down) and, once a transport is connected again, records the coverage gap.
import type { CoverageTracker } from './coverage';
import type { TransportName } from './transports/transport';

export class OutageGaps {
  private readonly coverage: CoverageTracker;
  private outageStartMs: number | null = null;
  private pendingDropMs: number | null = null;
  private downtimeChecked = false;
  private previousAlive: { lastAliveMs: number; cleanStop: boolean } | null = null;

  constructor(coverage: CoverageTracker) {
    this.coverage = coverage;
  }

  /** On start(), before the first heartbeat: the previous run's last sign of life, checked once connected. */
  started(): void {
    this.previousAlive = this.coverage.readLastAlive();
    this.downtimeChecked = false;
  }

  /** A transport failed: an outage starts (unless one is already open). */
  failed(atMs: number): void {
    this.outageStartMs ??= atMs;
  }

  /** CPA dropped the usage subscription at `atMs`. */
  dropped(atMs: number): void {
    this.pendingDropMs = atMs;
    this.outageStartMs ??= atMs;
  }

  /** A transport is connected again: records the gaps the outage (or the collector's downtime) left. */
  async connected(
    name: TransportName,
    nowMs: number,
    startedAt: number | null,
    retention: number | null,
  ): Promise<void> {
    if (!this.downtimeChecked) {
      this.downtimeChecked = true;
      const prev = this.previousAlive;
      if (
        prev &&
        retention !== null &&
        startedAt !== null &&
        startedAt - prev.lastAliveMs > retention * 1000
      ) {
        await this.coverage.record(
          'collector-down',
          prev.lastAliveMs,
          nowMs,
          retention,
          `collector was down${prev.cleanStop ? '' : ' (crashed)'}; CPA keeps records only ${retention} s`,
        );
      }
    }
    if (this.pendingDropMs !== null) {
      await this.coverage.record(
        'subscriber-dropped',
        this.pendingDropMs,
        nowMs,
        retention,
        'CPA dropped the usage subscription',
      );
      this.pendingDropMs = null;
      this.outageStartMs = null;
    } else if (this.outageStartMs !== null) {
      const start = this.outageStartMs;
      this.outageStartMs = null;
      const long = retention !== null && nowMs - start > retention * 1000;
      if (long || name === 'subscribe') {
        await this.coverage.record(
          long ? 'retention-expired' : 'reconnect',
          start,
          nowMs,
          retention,
          `${name} reconnected after an outage`,
        );
      }
    }
  }
}
