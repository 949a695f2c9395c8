// In-process signals that alert rules evaluate. Producers (the pool service, the collector host, the
// analytics watcher) emit facts; the alert engine decides whether a fact opens, repeats or closes an
// incident. Producers never know about channels, and a throwing listener never breaks a producer.

export type AlertSeverity = 'info' | 'warning' | 'critical';

/**
 * One observed fact. `subject` identifies the thing (account auth_index, key hash, 'pool:codex', 'collector').
 * 'error-rate-spike' and 'spend-threshold' carry a measurement (emitted by the alerts' own analytics watcher
 * while a rule's condition holds or its incident is open): each rule compares it with its own thresholds,
 * so a measurement under a rule's threshold closes that rule's incident.
 * The same holds for 'quota-low' (remainingPercent at or above a rule's remainingPercentBelow closes it) and
 * 'pool-exhaustion-forecast' (exhaustAtMs null, beyond withinHours or after nextResetAtMs closes it).
 * 'account-auth-issue' and 'cooldown-entered' close on { kind: 'resolved' } ('cooldown-recovered' also
 * closes 'cooldown-entered'); 'cooldown-recovered' and 'collector-gap' are one-off events whose incidents
 * close by themselves once the rule's quiet period passes without another one.
 */
export type AlertSignal =
  | { kind: 'quota-low'; subject: string; provider: string; window: string; remainingPercent: number; resetAtMs: number | null }
  | { kind: 'pool-exhaustion-forecast'; subject: string; provider: string; plan: string | null; exhaustAtMs: number | null; nextResetAtMs: number | null }
  | { kind: 'account-auth-issue'; subject: string; provider: string; issue: 'unauthorized' | 'expired' | 'banned'; detail: string }
  | { kind: 'cooldown-entered'; subject: string; provider: string; untilMs: number | null; reason: string }
  | { kind: 'cooldown-recovered'; subject: string; provider: string }
  | { kind: 'error-rate-spike'; subject: string; errorRate: number; requests: number; windowMs: number }
  | { kind: 'spend-threshold'; subject: string; spentMicros: number; thresholdMicros: number; periodMs: number }
  | { kind: 'collector-stalled'; subject: CollectorSubject; reason: string; sinceMs: number }
  | { kind: 'collector-gap'; subject: CollectorSubject; fromMs: number; toMs: number; reason: string; lossLikely?: boolean }
  /** A key's spend is projected to pass its budget by the period's end (measured by the budget service; subject = key hash). */
  | { kind: 'budget-forecast'; subject: string; keyName: string; spentMicros: number; forecastMicros: number; limitMicros: number; periodEndMs: number }
  /** A key's spend reached its budget (subject = key hash); a new period clears it. */
  | { kind: 'budget-exceeded'; subject: string; keyName: string; spentMicros: number; limitMicros: number; periodEndMs: number }
  /** A condition that was reported before no longer holds (closes the open incident for kind+subject). */
  | { kind: 'resolved'; resolves: AlertSignalKind; subject: string };

export type AlertSignalKind = Exclude<AlertSignal['kind'], 'resolved'>;

export interface SignalBus {
  emit(signal: AlertSignal, atMs?: number): void;
  on(listener: (signal: AlertSignal, atMs: number) => void): () => void;
}

export function createSignalBus(opts: { now: () => number; onListenerError?: (err: unknown) => void }): SignalBus {
  const listeners = new Set<(signal: AlertSignal, atMs: number) => void>();
  return {
    emit(signal, atMs = opts.now()) {
      for (const l of listeners) {
        try {
          l(signal, atMs);
        } catch (err) {
          opts.onListenerError?.(err);
        }
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A collector alert's subject: 'collector' for the default CPA's, 'collector:<upstream>' for another CPA's. */
export type CollectorSubject = 'collector' | `collector:${string}`;
