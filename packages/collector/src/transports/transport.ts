// What the engine hands a transport, and what a transport is.
import type { ControlKind } from '../normalize';
import type { CollectorLogger } from '../usage-event';

export type TransportName = 'subscribe' | 'http' | 'resp-pop';

export interface TransportContext {
  signal: AbortSignal;
  /** Hands raw records to the engine; resolves once they are committed (or held/spooled). */
  deliver(items: unknown[]): Promise<void>;
  /** The transport is connected and authenticated (resets backoff, clears errors). */
  connected(): void;
  control(kind: ControlKind): void;
  /** Subscription was live, then CPA closed it (slow-subscriber drop or restart). */
  dropped(atMs: number, detail: string): void;
  /** After (re)subscribing: pop whatever CPA queued while nobody was subscribed. */
  drainQueue(signal: AbortSignal): Promise<number>;
  logger: CollectorLogger;
  now(): number;
}

export interface Transport {
  readonly name: TransportName;
  /** Runs until the signal aborts (resolves) or the transport fails (rejects). */
  run(ctx: TransportContext): Promise<void>;
}

export interface RespTarget {
  baseUrl: string;
  managementKey: string;
  tlsSkipVerify: boolean;
  connectTimeoutMs: number;
}
