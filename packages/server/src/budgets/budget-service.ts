// Budgets per API key: spend to date in the current period (from the store's analytics totals, so the
// column cache or rollups answer), the burn-rate forecast (budget-period.ts), the 'budget-forecast' and
// 'budget-exceeded' alert signals, and optional enforcement: at the budget the key leaves CPA's api-keys and
// comes back when the next period starts. A hold (the key, encrypted) is written before the key is removed,
// so a restart still knows what to put back; every step is logged in the budget log.
import { createHash } from 'node:crypto';
import type { BudgetHold, KeyBudget, KeyBudgetInput, StoreRepositories } from '@cpamp/store';
import type { AlertSignal } from '../alerts/signal-bus';
import type { BudgetCpa } from './budget-cpa';
import { forecastMicros, periodBounds } from './budget-period';

export type BudgetState = 'ok' | 'forecast-over' | 'exceeded';

export interface BudgetStatus extends KeyBudget {
  /** The key's alias when set, else its masked label. */
  keyName: string;
  alias: string | null;
  label: string;
  periodStartMs: number;
  periodEndMs: number;
  spentMicros: number;
  forecastMicros: number;
  /** Requests in the period whose model had no price (their cost is unknown, not 0). */
  unpricedRequests: number;
  requests: number;
  state: BudgetState;
  /** Set while enforcement holds the key out of CPA. */
  held: BudgetHold | null;
}

export interface BudgetLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface BudgetService {
  list(): Promise<BudgetStatus[]>;
  status(keyHash: string): Promise<BudgetStatus | null>;
  set(keyHash: string, input: KeyBudgetInput): Promise<BudgetStatus>;
  /** Deletes the budget; a key held out of CPA is put back first (or at the next check if CPA is away). */
  remove(keyHash: string): Promise<boolean>;
  /** Measures every budget, emits the alert signals and enforces; serialised (a call waits for a running one). */
  check(): Promise<void>;
  /** Settles when the running check (if any) has finished. */
  idle(): Promise<void>;
}

export interface BudgetServiceDeps {
  store: Pick<StoreRepositories, 'budgets' | 'analytics' | 'apiKeys'>;
  cpa: () => BudgetCpa | null;
  now: () => number;
  emit: (signal: AlertSignal) => void;
  logger: BudgetLogger;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function createBudgetService(deps: BudgetServiceDeps): BudgetService {
  const { store, now } = deps;
  // The last failure logged per key, so a CPA outage logs one row per key, not one per check.
  const lastFailure = new Map<string, string>();
  let running: Promise<void> = Promise.resolve();

  const names = async () => {
    const out = new Map<string, { alias: string | null; label: string }>();
    for (const k of await store.apiKeys.list()) out.set(k.hash, { alias: k.alias, label: k.label });
    return out;
  };

  const measure = async (
    b: KeyBudget,
    at: number,
    name: { alias: string | null; label: string } | undefined,
    held: BudgetHold | null,
  ): Promise<BudgetStatus> => {
    const bounds = periodBounds(b.period, at);
    const t = await store.analytics.totals({ from: bounds.startMs, to: at + 1, apiKeyHash: b.keyHash });
    const forecast = forecastMicros(t.costMicros, bounds, at);
    const state: BudgetState = t.costMicros >= b.limitMicros ? 'exceeded' : forecast > b.limitMicros ? 'forecast-over' : 'ok';
    const alias = name?.alias ?? null;
    const label = name?.label ?? '';
    return {
      ...b,
      keyName: alias || label || `${b.keyHash.slice(0, 12)}…`,
      alias,
      label,
      periodStartMs: bounds.startMs,
      periodEndMs: bounds.endMs,
      spentMicros: t.costMicros,
      forecastMicros: forecast,
      unpricedRequests: t.unpricedRequests,
      requests: t.requests,
      state,
      held,
    };
  };

  const holdsByKey = async () => new Map((await store.budgets.listHolds()).map((h) => [h.keyHash, h]));

  const status = async (keyHash: string): Promise<BudgetStatus | null> => {
    const b = await store.budgets.get(keyHash);
    if (!b) return null;
    const holds = await holdsByKey();
    return measure(b, now(), (await names()).get(keyHash), holds.get(keyHash) ?? null);
  };

  const failed = async (keyHash: string, action: 'remove-failed' | 'restore-failed', detail: string) => {
    const mark = `${action}:${detail}`;
    if (lastFailure.get(keyHash) === mark) return;
    lastFailure.set(keyHash, mark);
    deps.logger.warn({ keyHash: keyHash.slice(0, 12), action, detail }, 'budget enforcement step failed');
    await store.budgets.logAction({ keyHash, action, ok: false, detail });
  };

  const restore = async (hold: BudgetHold, reason: string): Promise<void> => {
    const cpa = deps.cpa();
    if (!cpa) return failed(hold.keyHash, 'restore-failed', 'no CPA connection is configured');
    const key = await store.budgets.holdKey(hold.keyHash);
    if (key === null) {
      // Without the key there is nothing to put back: the hold goes, the user re-adds the key in CPA.
      await store.budgets.dropHold(hold.keyHash);
      await failed(hold.keyHash, 'restore-failed', 'the held key cannot be decrypted with the current data key; add it to CPA again by hand');
      return;
    }
    try {
      // addKey leaves a key that is there already alone (and, with several CPAs, goes to those it left).
      await cpa.addKey(key);
    } catch (err) {
      return failed(hold.keyHash, 'restore-failed', `CPA did not take the key back: ${(err as Error).message}`);
    }
    await store.budgets.dropHold(hold.keyHash);
    lastFailure.delete(hold.keyHash);
    deps.logger.info({ keyHash: hold.keyHash.slice(0, 12), reason }, 'budget: key put back into CPA api-keys');
    await store.budgets.logAction({ keyHash: hold.keyHash, action: 'restored', ok: true, detail: reason });
  };

  const takeOut = async (s: BudgetStatus, at: number): Promise<void> => {
    const cpa = deps.cpa();
    if (!cpa) return failed(s.keyHash, 'remove-failed', 'no CPA connection is configured');
    let key: string | undefined;
    try {
      key = (await cpa.listKeys()).find((k) => sha256(k) === s.keyHash);
    } catch (err) {
      return failed(s.keyHash, 'remove-failed', `cannot read CPA's api-keys: ${(err as Error).message}`);
    }
    if (key === undefined) return failed(s.keyHash, 'remove-failed', "the key is not in CPA's api-keys");
    // The hold first: a crash between the two steps leaves a hold for a key still in CPA, which restore()
    // handles (it only adds a missing key), never a removed key nobody remembers.
    await store.budgets.putHold({ keyHash: s.keyHash, key, removedAtMs: at, restoreAtMs: s.periodEndMs });
    try {
      await cpa.removeKey(key);
    } catch (err) {
      await store.budgets.dropHold(s.keyHash);
      return failed(s.keyHash, 'remove-failed', `CPA did not remove the key: ${(err as Error).message}`);
    }
    lastFailure.delete(s.keyHash);
    const detail = `spent $${(s.spentMicros / 1e6).toFixed(2)} of $${(s.limitMicros / 1e6).toFixed(2)} (${s.period}); back at ${new Date(s.periodEndMs).toISOString()}`;
    deps.logger.info({ keyHash: s.keyHash.slice(0, 12) }, 'budget: key taken out of CPA api-keys');
    await store.budgets.logAction({ keyHash: s.keyHash, action: 'removed', ok: true, detail });
  };

  const checkOnce = async () => {
    const at = now();
    const budgets = new Map((await store.budgets.list()).map((b) => [b.keyHash, b]));
    const holds = await holdsByKey();
    // Holds first: a new period (or a budget raised, removed or no longer enforced) puts keys back.
    for (const h of holds.values()) {
      const b = budgets.get(h.keyHash);
      let reason: string | null = null;
      if (at >= h.restoreAtMs) reason = 'a new budget period started';
      else if (!b) reason = 'the budget was deleted';
      else if (!b.enforce) reason = 'enforcement was turned off';
      else if ((await measure(b, at, undefined, h)).state !== 'exceeded') reason = 'the budget is no longer reached';
      if (reason !== null) {
        await restore(h, reason);
        if (!(await store.budgets.listHolds()).some((x) => x.keyHash === h.keyHash)) holds.delete(h.keyHash);
      }
    }
    const keyNames = await names();
    for (const b of budgets.values()) {
      const s = await measure(b, at, keyNames.get(b.keyHash), holds.get(b.keyHash) ?? null);
      const base = { subject: b.keyHash, keyName: s.keyName, spentMicros: s.spentMicros, limitMicros: s.limitMicros, periodEndMs: s.periodEndMs };
      deps.emit({ kind: 'budget-forecast', ...base, forecastMicros: s.forecastMicros });
      deps.emit({ kind: 'budget-exceeded', ...base });
      if (b.enforce && s.state === 'exceeded' && !holds.has(b.keyHash)) await takeOut(s, at);
    }
  };

  return {
    async list() {
      const at = now();
      const keyNames = await names();
      const holds = await holdsByKey();
      const out: BudgetStatus[] = [];
      for (const b of await store.budgets.list()) out.push(await measure(b, at, keyNames.get(b.keyHash), holds.get(b.keyHash) ?? null));
      return out;
    },
    status,
    async set(keyHash, input) {
      await store.budgets.set(keyHash, input);
      return (await status(keyHash)) as BudgetStatus;
    },
    async remove(keyHash) {
      const deleted = await store.budgets.delete(keyHash);
      const hold = (await store.budgets.listHolds()).find((h) => h.keyHash === keyHash);
      if (hold) await restore(hold, 'the budget was deleted');
      return deleted;
    },
    check() {
      const run = running.then(checkOnce, checkOnce);
      running = run.catch(() => undefined);
      return run;
    },
    idle: () => running,
  };
}
