// Raw records → UsageEvents → committer; malformed ones → dead letters (redacted, capped). Never throws
// for bad input; only a failing spool at stop can surface an error.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Committer } from './committer';
import { controlPayloadKind, normalizeRecord, type ControlKind, type NormalizeOptions } from './normalize';
import { redactAndCap } from './redact';
import type { CollectorLogger, DeadLetter, DeadLetterSink, UsageEvent } from './usage-event';

const DEAD_LETTER_MAX_BYTES = 4096;

export interface IngestCounters {
  received: number;
  rejected: number;
  deadLettered: number;
  controlMessages: number;
}

export interface IngestOptions {
  committer: Committer;
  deadLetters: DeadLetterSink | undefined;
  dataDir: string | undefined;
  normalize: NormalizeOptions;
  logger: CollectorLogger;
  now: () => number;
  onReceived(count: number): void;
  onControl(kind: ControlKind): void;
  onDeadLetters(items: readonly DeadLetter[]): void;
}

export class Ingest {
  readonly counters: IngestCounters = { received: 0, rejected: 0, deadLettered: 0, controlMessages: 0 };
  private readonly options: IngestOptions;

  constructor(options: IngestOptions) {
    this.options = options;
  }

  async deliver(items: readonly unknown[], transport: string): Promise<void> {
    const events: UsageEvent[] = [];
    const dead: DeadLetter[] = [];
    let received = 0;
    for (const item of items) {
      if (item === null || item === '') continue; // CPA-side empty items carry nothing
      const control = controlPayloadKind(item);
      if (control) {
        this.counters.controlMessages++;
        this.options.onControl(control);
        continue;
      }
      received++;
      const r = normalizeRecord(item, this.options.normalize);
      if (r.ok) events.push(r.event);
      else
        dead.push({
          receivedAtMs: this.options.now(),
          reason: r.reason,
          payload: redactAndCap(payloadText(item), DEAD_LETTER_MAX_BYTES),
          transport,
        });
    }
    this.counters.received += received;
    if (received > 0) this.options.onReceived(received);
    if (dead.length > 0) {
      this.counters.rejected += dead.length;
      await this.storeDeadLetters(dead);
    }
    await this.options.committer.submit(events);
  }

  private async storeDeadLetters(dead: DeadLetter[]): Promise<void> {
    if (this.options.deadLetters) {
      try {
        await this.options.deadLetters.insertDeadLetters(dead);
        this.counters.deadLettered += dead.length;
        this.options.onDeadLetters(dead);
        return;
      } catch (e) {
        this.options.logger.warn('collector: dead-letter sink failed, writing dead letters to the data dir', {
          error: (e as Error).message,
        });
      }
    }
    if (this.options.dataDir) {
      try {
        appendFileSync(
          join(this.options.dataDir, 'collector-dead-letters.jsonl'),
          dead.map((d) => `${JSON.stringify(d)}\n`).join(''),
          { mode: 0o600 },
        );
        this.counters.deadLettered += dead.length;
        this.options.onDeadLetters(dead);
        return;
      } catch (e) {
        this.options.logger.error('collector: cannot write dead letters', { error: (e as Error).message });
      }
    }
    this.options.logger.warn('collector: rejected records (no dead-letter sink configured)', {
      count: dead.length,
      reason: dead[0]?.reason,
    });
    this.options.onDeadLetters(dead);
  }
}

function payloadText(item: unknown): string {
  if (typeof item === 'string') return item;
  if (item instanceof Uint8Array) return Buffer.from(item).toString('utf8');
  try {
    return JSON.stringify(item) ?? String(item);
  } catch {
    return String(item);
  }
}
