// Produces 'collector-gap' (every coverage gap the collector reports) and 'collector-stalled' (while the
// collector is in backoff, stopped on an auth error, unsupported, or its sink is failing; the rule decides
// how long is too long) plus the matching 'resolved' once it runs again. Listens like the live hub does,
// through CollectorHost.on, which survives collector restarts.
import type { CoverageGap } from '@cpamp/collector';
import type { CollectorSubject, SignalBus } from './signal-bus';

/** What the watcher reads of the collector host (CollectorHost satisfies it). */
export interface WatchedCollector {
  status(): { state: string; sinkFailing: boolean; lastError: { message: string } | null } | null;
  on(event: 'gap', listener: (gap: CoverageGap) => void): () => void;
  on(event: 'state' | 'problem', listener: () => void): () => void;
}

export interface CollectorWatcher {
  /** Re-reports an ongoing stall so a rule's afterMinutes threshold can be crossed. */
  check(): void;
  stop(): void;
}

const BAD_STATES = new Set(['backoff', 'auth-stopped', 'unsupported']);

export function createCollectorWatcher(deps: {
  collector: WatchedCollector;
  signals: SignalBus;
  now: () => number;
  /** Several CPAs: 'collector:<upstream>' for a named upstream's collector (default 'collector'). */
  subject?: CollectorSubject;
}): CollectorWatcher {
  const subject: CollectorSubject = deps.subject ?? 'collector';
  let badSince: number | null = null;
  let reason = '';

  const evaluate = (report: boolean) => {
    const s = deps.collector.status();
    const bad = s !== null && (BAD_STATES.has(s.state) || s.sinkFailing);
    if (bad) {
      const why = s.sinkFailing ? 'the database rejects writes (sink failing)' : `state ${s.state}`;
      reason = s.lastError ? `${why}: ${s.lastError.message}` : why;
      if (badSince === null) {
        badSince = deps.now();
        report = true;
      }
      if (report) deps.signals.emit({ kind: 'collector-stalled', subject, reason, sinceMs: badSince });
    } else if (badSince !== null) {
      badSince = null;
      deps.signals.emit({ kind: 'resolved', resolves: 'collector-stalled', subject });
    }
  };

  const offs = [
    deps.collector.on('gap', (gap) =>
      deps.signals.emit({
        kind: 'collector-gap',
        subject,
        fromMs: gap.startMs,
        toMs: gap.endMs,
        reason: `${gap.kind}${gap.detail ? `: ${gap.detail}` : ''}`,
        lossLikely: gap.lossLikely,
      }),
    ),
    deps.collector.on('state', () => evaluate(false)),
    deps.collector.on('problem', () => evaluate(false)),
  ];

  return {
    check() {
      evaluate(true);
    },
    stop() {
      for (const off of offs.splice(0)) off();
    },
  };
}
