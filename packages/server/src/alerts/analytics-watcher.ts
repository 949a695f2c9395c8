// Produces 'error-rate-spike' and 'spend-threshold' measurements for the enabled rules of those kinds, from
// the store's analytics totals (rollups / column cache, never a full scan). Runs at most once per interval
// and recomputes a rule's window only when events arrived since its last check or its incident is open
// (a rolling window can then only clear). Rules sharing a scope and window share one query and one signal.
import type { AlertsRepository, StoreRepositories } from '@cpamp/store';
import type { AlertLogger } from './alert-engine';
import { evaluate, scopeSubject, type RuleParams } from './rule-kinds';
import type { AlertSignal, SignalBus } from './signal-bus';

export interface AnalyticsWatcher {
  /** Runs the checks if the interval has passed (or `force`). */
  check(force?: boolean): Promise<void>;
  stop(): void;
}

type Measured = Extract<AlertSignal, { kind: 'error-rate-spike' | 'spend-threshold' }>;

export function createAnalyticsWatcher(deps: {
  alerts: AlertsRepository;
  store: Pick<StoreRepositories, 'analytics' | 'events'>;
  signals: SignalBus;
  now: () => number;
  logger: AlertLogger;
  intervalMs: number;
}): AnalyticsWatcher {
  let insertedBatches = 0;
  let lastRunMs = Number.NEGATIVE_INFINITY;
  const seenAt = new Map<string, number>();
  const off = deps.store.events.onInserted(() => {
    insertedBatches += 1;
  });

  const measure = async (kind: Measured['kind'], params: RuleParams, subject: string, at: number): Promise<Measured> => {
    const windowMs = kind === 'error-rate-spike' ? Number(params.windowMinutes ?? 15) * 60_000 : Number(params.periodHours ?? 24) * 3_600_000;
    const filter = {
      from: at - windowMs,
      to: at,
      ...(typeof params.apiKeyHash === 'string' ? { apiKeyHash: params.apiKeyHash } : {}),
      ...(typeof params.provider === 'string' && kind === 'error-rate-spike' ? { provider: params.provider } : {}),
    };
    const t = await deps.store.analytics.totals(filter);
    if (kind === 'error-rate-spike')
      return { kind, subject, errorRate: t.requests > 0 ? t.failures / t.requests : 0, requests: t.requests, windowMs };
    return { kind, subject, spentMicros: t.costMicros, thresholdMicros: Number(params.thresholdMicros ?? 0), periodMs: windowMs };
  };

  return {
    async check(force = false) {
      const at = deps.now();
      if (!force && at - lastRunMs < deps.intervalMs) return;
      lastRunMs = at;
      const groups = new Map<string, { kind: Measured['kind']; subject: string; rules: { id: number; params: RuleParams }[] }>();
      for (const r of await deps.alerts.listRules()) {
        if (!r.enabled || (r.kind !== 'error-rate-spike' && r.kind !== 'spend-threshold')) continue;
        const params = r.params as RuleParams;
        const subject = scopeSubject(params);
        const window = r.kind === 'error-rate-spike' ? `${params.windowMinutes}|${params.provider ?? ''}` : `${params.periodHours}`;
        const key = `${r.kind}|${subject}|${window}`;
        const g = groups.get(key) ?? { kind: r.kind, subject, rules: [] };
        g.rules.push({ id: r.id, params });
        groups.set(key, g);
      }
      for (const [key, g] of groups) {
        let open = false;
        for (const r of g.rules) if (!open && (await deps.alerts.findOpenIncident(r.id, g.subject)) !== null) open = true;
        if (!open && seenAt.get(key) === insertedBatches) continue;
        seenAt.set(key, insertedBatches);
        try {
          const signal = await measure(g.kind, g.rules[0]!.params, g.subject, at);
          const fires = g.rules.some((r) => evaluate(r.params, signal, at).verdict === 'fire');
          if (fires || open) deps.signals.emit(signal, at);
        } catch (err) {
          deps.logger.warn({ err, kind: g.kind, subject: g.subject }, 'alerts: analytics check failed');
        }
      }
      for (const key of seenAt.keys()) if (!groups.has(key)) seenAt.delete(key);
    },
    stop() {
      off();
    },
  };
}
