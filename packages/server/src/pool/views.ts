// The pool as the pages see it: every account with its windows, usage, burn and forecast, and the
// per-provider forecasts. Built in one pass (a handful of queries, no per-account query) and cached until
// something changes, so 5,000 accounts page in milliseconds.
import type { StoreRepositories } from '@cpamp/store';
import {
  accountExhaustAt,
  burnPerHour,
  cyclePace,
  forecastMessage,
  percentPerHour,
  poolForecast,
  type ForecastWindow,
  type PoolForecast,
  type PoolMember,
  type WindowPoint,
} from './forecast';
import {
  ACCOUNT_STATUSES,
  toQuotaWindow,
  type AccountStatus,
  type PoolAccount,
  type PoolAccountRow,
  type ProviderForecast,
  type UsageNumbers,
} from './types';

const HOUR = 3_600_000;
const SERIES_BUCKET_MS = 30 * 60_000;
const SERIES_AHEAD_MS = 24 * HOUR;

export interface PoolSnapshot {
  generatedAtMs: number;
  accounts: PoolAccount[];
  byIndex: Map<string, PoolAccount>;
  counts: Record<AccountStatus, number> & { total: number };
  providers: ProviderForecast[];
  /** Forecast per provider (all plans), for the series and the exhaustion signal. */
  providerTotals: Map<string, PoolForecast>;
  series: { provider: string; plan: string | null; points: { tMs: number; remainingPercent: number | null; projected: boolean }[] }[];
  /** Sort orders computed on demand (pageAccounts). */
  orders: Map<AccountSort, PoolAccount[]>;
}

type Usage = { requests: number; failures: number; tokens: number; costMicros: number };
const ZERO: Usage = { requests: 0, failures: 0, tokens: 0, costMicros: 0 };

/** Usage per account (by auth_index) over the last 3 h, 24 h and 7 days. */
export interface PoolUsage {
  atMs: number;
  u3: Map<string, Usage>;
  u24: Map<string, Usage>;
  u7d: Map<string, Usage>;
}

/** The repositories the pool views read. */
type ViewStore = Pick<StoreRepositories, 'pool' | 'analytics'>;

export async function readUsage(store: ViewStore, nowMs: number): Promise<PoolUsage> {
  const to = nowMs + 1;
  return {
    atMs: nowMs,
    u3: await usageByAccount(store, nowMs - 3 * HOUR, to),
    u24: await usageByAccount(store, nowMs - 24 * HOUR, to),
    u7d: await usageByAccount(store, nowMs - 7 * 24 * HOUR, to),
  };
}

async function usageByAccount(store: ViewStore, from: number, to: number): Promise<Map<string, Usage>> {
  const out = new Map<string, Usage>();
  const { rows } = await store.analytics.breakdown({ from, to }, { by: 'account', limit: 1_000_000 });
  for (const r of rows) out.set(r.name, { requests: r.requests, failures: r.failures, tokens: r.tokens.total, costMicros: r.costMicros });
  return out;
}

function statusOf(acc: PoolAccountRow, owned: { kind: string } | undefined, openIssues: number, exhausted: boolean): { status: AccountStatus; disabledBy: 'cpamp' | 'user' | null } {
  const disabledBy = acc.disabled ? (owned ? 'cpamp' : 'user') : null;
  if (openIssues > 0) return { status: 'auth-issue', disabledBy };
  if (owned?.kind === 'quota' && acc.disabled) return { status: 'cooldown', disabledBy };
  if (acc.disabled) return { status: 'disabled', disabledBy };
  if (exhausted) return { status: 'cooldown', disabledBy };
  if (acc.cpaStatus === null && acc.lastResult === null) return { status: 'unknown', disabledBy };
  return { status: 'active', disabledBy };
}

/** What changes only with new observations (results, evidence), kept across action-only rebuilds. */
export interface SnapshotInputs {
  atMs: number;
  windows: Awaited<ReturnType<StoreRepositories['pool']['allWindows']>>;
  starts: Awaited<ReturnType<StoreRepositories['pool']['cycleStarts']>>;
  buckets: Awaited<ReturnType<StoreRepositories['pool']['historyBuckets']>>;
}

export async function readInputs(store: ViewStore, nowMs: number): Promise<SnapshotInputs> {
  return {
    atMs: nowMs,
    windows: await store.pool.allWindows(),
    // Slopes need only the earliest same-cycle point of the last 3 h per account and window.
    starts: await store.pool.cycleStarts(nowMs - 3 * HOUR),
    buckets: await store.pool.historyBuckets(nowMs - 24 * HOUR, SERIES_BUCKET_MS),
  };
}

export async function buildSnapshot(
  store: ViewStore,
  nowMs: number,
  usage?: PoolUsage,
  inputs?: SnapshotInputs,
): Promise<PoolSnapshot> {
  usage ??= await readUsage(store, nowMs);
  inputs ??= await readInputs(store, nowMs);
  const { windows, starts } = inputs;
  const repo = store.pool;
  const rows = await repo.listAccounts();
  const ownership = new Map((await repo.listOwnership()).map((o) => [o.authIndex, o]));
  // An open `exhausted` issue is a quota state (cooldown), not an auth problem.
  const issues = await repo.openIssueCounts(['unauthorized', 'expired', 'banned']);
  const exhaustedIssues = await repo.openIssueCounts(['exhausted']);
  const { u3, u24, u7d } = usage;
  const accounts: PoolAccount[] = [];
  const members = new Map<string, { provider: string; plan: string | null; member: PoolMember; status: AccountStatus }[]>();
  for (const acc of rows) {
    const ws = windows.get(acc.authIndex) ?? [];
    const idle = (u24.get(acc.authIndex)?.requests ?? 0) === 0 && usage.u24.size > 0;
    const fws: ForecastWindow[] = ws.map((w) => {
      const cur: WindowPoint = { tMs: w.observedAtMs, usedPercent: w.usedPercent ?? 0, resetAtMs: w.resetAtMs };
      return {
        window: w.window,
        usedPercent: w.usedPercent,
        resetAtMs: w.resetAtMs,
        observedAtMs: w.observedAtMs,
        // Recent slope first; else the pace since the cycle began.
        ratePerHour:
          w.usedPercent === null
            ? null
            : (percentPerHour(starts.has(`${acc.authIndex}\u0000${w.window}`) ? [starts.get(`${acc.authIndex}\u0000${w.window}`)!] : [], cur, nowMs) ??
              // The pace since the cycle began says nothing about an account with no traffic for 24 h (idle).
              (idle ? 0 : cyclePace(w.usedPercent, w.windowSeconds, w.resetAtMs, w.observedAtMs))),
      };
    });
    const exhausted =
      ws.some((w) => (w.usedPercent ?? 0) >= 100 && (w.resetAtMs === null || w.resetAtMs > nowMs)) ||
      (acc.lastResult === 'exhausted' && !ws.length) ||
      exhaustedIssues.has(acc.authIndex);
    const { status, disabledBy } = statusOf(acc, ownership.get(acc.authIndex), issues.get(acc.authIndex) ?? 0, exhausted);
    const a3 = u3.get(acc.authIndex) ?? ZERO;
    const a24 = u24.get(acc.authIndex) ?? ZERO;
    const burn = burnPerHour(a3, a24);
    const weekly = ws.some((w) => w.window.startsWith('weekly'));
    const value = (weekly ? u7d.get(acc.authIndex) : a24)?.costMicros ?? 0;
    const account: PoolAccount = {
      authIndex: acc.authIndex,
      fileName: acc.fileName,
      provider: acc.provider,
      email: acc.email,
      plan: acc.plan,
      status,
      disabledBy,
      windows: ws.map(toQuotaWindow),
      lastInspection: acc.lastInspectionMs !== null && acc.lastResult !== null ? { atMs: acc.lastInspectionMs, result: acc.lastResult } : null,
      usage24h: { ...a24 },
      burnPerHour: burn,
      ...exhaustion(fws, nowMs),
      valueMicros: value,
    };
    accounts.push(account);
    const key = `${acc.provider}\u0000${acc.plan ?? ''}`;
    const usable = status === 'active' || (status === 'cooldown' && !acc.disabled);
    const list = members.get(key) ?? [];
    list.push({ provider: acc.provider, plan: acc.plan, member: { usable, windows: fws, burn }, status });
    members.set(key, list);
  }

  const counts = Object.fromEntries(ACCOUNT_STATUSES.map((s) => [s, 0])) as Record<AccountStatus, number> & { total: number };
  for (const a of accounts) counts[a.status]++;
  counts.total = accounts.length;

  const providers: ProviderForecast[] = [];
  const perProvider = new Map<string, PoolMember[]>();
  for (const list of members.values()) {
    const first = list[0]!;
    const f = poolForecast(list.map((m) => m.member), nowMs);
    const all = perProvider.get(first.provider) ?? [];
    all.push(...list.map((m) => m.member));
    perProvider.set(first.provider, all);
    providers.push({
      provider: first.provider,
      plan: first.plan,
      accounts: list.length,
      active: list.filter((m) => m.status === 'active').length,
      exhausted: list.filter((m) => m.status === 'cooldown').length,
      burnPerHour: f.burnPerHour as UsageNumbers,
      windows: f.windows,
      exhaustAtMs: f.exhaustAtMs,
      dryAtMs: f.dryAtMs,
      nextResetAtMs: f.nextResetAtMs,
      emptyUntilMs: f.emptyUntilMs,
      bindingWindow: f.bindingWindow,
      verdict: f.verdict,
      reason: f.reason,
      message: forecastMessage(first.provider, first.plan, f, nowMs),
    });
  }
  providers.sort((a, b) => a.provider.localeCompare(b.provider) || (a.plan ?? '').localeCompare(b.plan ?? ''));

  const providerTotals = new Map<string, PoolForecast>();
  for (const [p, list] of perProvider) providerTotals.set(p, poolForecast(list, nowMs));

  // One line per provider and plan: past points are the average remaining % of the plan's binding window
  // per 30-minute bucket; projected points run from now to the reset (or to where it runs dry first).
  const planForecasts = new Map<string, { provider: string; plan: string | null; f: PoolForecast; size: number }>();
  for (const list of members.values()) {
    const first = list[0]!;
    planForecasts.set(`${first.provider}\u0000${first.plan ?? ''}`, { provider: first.provider, plan: first.plan, f: poolForecast(list.map((m) => m.member), nowMs), size: list.length });
  }
  const buckets = new Map<string, { tMs: number; remainingPercent: number; accounts: number }[]>();
  for (const b of inputs.buckets) {
    const key = `${b.provider}\u0000${b.plan ?? ''}`;
    if (planForecasts.get(key)?.f.bindingWindow !== b.window) continue;
    const list = buckets.get(key) ?? [];
    list.push({ tMs: b.tMs, remainingPercent: b.remainingPercent, accounts: b.accounts });
    buckets.set(key, list);
  }
  // A bucket that saw only a few of the plan's accounts (one request's rate-limit headers) is not the plan's
  // level, and plotting it makes the line jump: keep buckets that saw at least half the plan (an inspection),
  // unless that leaves fewer than two points.
  for (const [key, list] of buckets) {
    const size = planForecasts.get(key)?.size ?? 1;
    const broad = list.filter((b) => b.accounts >= Math.ceil(size / 2));
    if (broad.length >= 2) buckets.set(key, broad);
  }
  // Look ahead as far as the chart looks back (at least 6 h, at most 24 h): with no history yet, a weekly
  // reset days away would squeeze everything measured into the left edge.
  let firstPast = nowMs;
  for (const list of buckets.values()) for (const b of list) firstPast = Math.min(firstPast, b.tMs);
  const ahead = Math.min(SERIES_AHEAD_MS, Math.max(6 * HOUR, nowMs - firstPast));
  const series: PoolSnapshot['series'] = [];
  for (const [key, { provider, plan, f }] of planForecasts) {
    const points: PoolSnapshot['series'][number]['points'] = (buckets.get(key) ?? []).map((b) => ({ tMs: b.tMs, remainingPercent: b.remainingPercent, projected: false }));
    if (f.avgRemainingPercent !== null) {
      points.push({ tMs: nowMs, remainingPercent: f.avgRemainingPercent, projected: true });
      const end = f.verdict === 'empty' ? f.emptyUntilMs : (f.exhaustAtMs ?? f.nextResetAtMs);
      if (end !== null && end > nowMs) {
        // A reset beyond the horizon is cut there, on the same slope.
        const stop = Math.min(end, nowMs + ahead);
        const left = f.verdict === 'empty' ? 0 : Math.max(0, f.avgRemainingPercent - f.remainingPercentPerHour * ((stop - nowMs) / HOUR));
        points.push({ tMs: stop, remainingPercent: Math.round(left * 100) / 100, projected: true });
      }
    }
    series.push({ provider, plan, points });
  }
  series.sort((a, b) => a.provider.localeCompare(b.provider) || (a.plan ?? '').localeCompare(b.plan ?? ''));

  return { generatedAtMs: nowMs, accounts, byIndex: new Map(accounts.map((a) => [a.authIndex, a])), counts, providers, providerTotals, series, orders: new Map() };
}

/** An account's "runs out" time (never in the past) or, when exhausted, until when it is empty. */
function exhaustion(fws: readonly ForecastWindow[], nowMs: number): { exhaustAtMs: number | null; emptyUntilMs: number | null } {
  const e = accountExhaustAt(fws, nowMs);
  return { exhaustAtMs: e.exhaustAtMs, emptyUntilMs: e.emptyUntilMs };
}

export type AccountSort = 'exhaust' | 'usage' | 'value' | 'name';

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The snapshot's accounts in one sort order, computed once per snapshot and key. */
function sortedAccounts(snap: PoolSnapshot, sort: AccountSort): PoolAccount[] {
  const hit = snap.orders.get(sort);
  if (hit) return hit;
  const names = new Map(snap.accounts.map((a) => [a, (a.email ?? a.fileName ?? a.authIndex).toLowerCase()]));
  const byName = (a: PoolAccount, b: PoolAccount) => cmpStr(names.get(a)!, names.get(b)!) || cmpStr(a.authIndex, b.authIndex);
  const cmp: Record<AccountSort, (a: PoolAccount, b: PoolAccount) => number> = {
    // Empty accounts first (by when they come back), then by when they run out.
    exhaust: (a, b) => (a.exhaustAtMs ?? (a.emptyUntilMs !== null ? 0 : Infinity)) - (b.exhaustAtMs ?? (b.emptyUntilMs !== null ? 0 : Infinity)) || byName(a, b),
    usage: (a, b) => b.usage24h.requests - a.usage24h.requests || byName(a, b),
    value: (a, b) => b.valueMicros - a.valueMicros || byName(a, b),
    name: byName,
  };
  const list = [...snap.accounts].sort(cmp[sort]);
  snap.orders.set(sort, list);
  return list;
}

export function pageAccounts(
  snap: PoolSnapshot,
  q: { provider?: string; status?: AccountStatus; q?: string; sort: AccountSort; limit: number; offset: number },
): { items: PoolAccount[]; total: number; nextOffset: number | null } {
  const needle = q.q?.trim().toLowerCase() ?? '';
  const sorted = sortedAccounts(snap, q.sort);
  const list =
    !q.provider && !q.status && !needle
      ? sorted
      : sorted.filter(
          (a) =>
            (!q.provider || a.provider === q.provider) &&
            (!q.status || a.status === q.status) &&
            (!needle || a.authIndex.toLowerCase().includes(needle) || (a.email ?? '').toLowerCase().includes(needle) || (a.fileName ?? '').toLowerCase().includes(needle)),
        );
  const items = list.slice(q.offset, q.offset + q.limit);
  const end = q.offset + items.length;
  return { items, total: list.length, nextOffset: end < list.length ? end : null };
}
