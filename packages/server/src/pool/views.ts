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
import { accountStatus, countStates } from './account-status';
import { poolKey, upstreamOfKey } from './pool-key';
import {
  toQuotaWindow,
  type AccountStatus,
  type PoolAccount,
  type PoolIssueRow,
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

type Usage = { requests: number; failures: number; tokens: number; costMicros: number; lastSeenMs: number };
const ZERO: Usage = { requests: 0, failures: 0, tokens: 0, costMicros: 0, lastSeenMs: 0 };

/** Usage per canonical account key: every auth_index the account ever had adds to it (history follows it). */
function byKey(usage: Map<string, Usage>, keyOf: (authIndex: string) => string): Map<string, Usage> {
  const out = new Map<string, Usage>();
  for (const [authIndex, u] of usage) {
    const k = keyOf(authIndex);
    const cur = out.get(k);
    out.set(
      k,
      cur
        ? { requests: cur.requests + u.requests, failures: cur.failures + u.failures, tokens: cur.tokens + u.tokens, costMicros: cur.costMicros + u.costMicros, lastSeenMs: Math.max(cur.lastSeenMs, u.lastSeenMs) }
        : u,
    );
  }
  return out;
}

/** Usage per account (by auth_index) over the last 3 h, 24 h and 7 days. */
export interface PoolUsage {
  atMs: number;
  u3: Map<string, Usage>;
  u24: Map<string, Usage>;
  u7d: Map<string, Usage>;
}

/** The repositories the pool views read. */
type ViewStore = Pick<StoreRepositories, 'pool' | 'analytics'>;

/**
 * `upstreams`: several CPAs, whose auth indexes may collide: usage is read per CPA and keyed by pool key
 * (pool-key.ts). Without it, one read over every event keyed by auth_index (the single-CPA case).
 */
export async function readUsage(store: ViewStore, nowMs: number, upstreams?: readonly string[]): Promise<PoolUsage> {
  const to = nowMs + 1;
  const read = async (from: number) => {
    if (!upstreams) return usageByAccount(store, from, to);
    const out = new Map<string, Usage>();
    for (const u of upstreams) await usageByAccount(store, from, to, u, out);
    return out;
  };
  return { atMs: nowMs, u3: await read(nowMs - 3 * HOUR), u24: await read(nowMs - 24 * HOUR), u7d: await read(nowMs - 7 * 24 * HOUR) };
}

async function usageByAccount(store: ViewStore, from: number, to: number, upstream?: string, out = new Map<string, Usage>()): Promise<Map<string, Usage>> {
  const { rows } = await store.analytics.breakdown(upstream ? { from, to, upstream } : { from, to }, { by: 'account', limit: 1_000_000 });
  for (const r of rows) out.set(upstream ? poolKey(upstream, r.name) : r.name, { requests: r.requests, failures: r.failures, tokens: r.tokens.total, costMicros: r.costMicros, lastSeenMs: r.lastSeenMs });
  return out;
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
  /** One CPA's accounts only (several CPAs); none: every CPA's. */
  upstream?: string,
): Promise<PoolSnapshot> {
  usage ??= await readUsage(store, nowMs);
  inputs ??= await readInputs(store, nowMs);
  const { windows, starts } = inputs;
  const repo = store.pool;
  const rows = (await repo.listAccounts()).filter((a) => upstream === undefined || upstreamOfKey(a.authIndex) === upstream);
  const ownership = new Map((await repo.listOwnership()).map((o) => [o.authIndex, o]));
  const issues = new Map<string, PoolIssueRow[]>();
  for (const i of await repo.listIssues('open', 1_000_000)) {
    const list = issues.get(i.authIndex) ?? [];
    list.push(i);
    issues.set(i.authIndex, list);
  }
  const identities = await repo.identities();
  const keyOf = (authIndex: string) => identities.get(authIndex) ?? authIndex;
  const u3 = byKey(usage.u3, keyOf);
  const u24 = byKey(usage.u24, keyOf);
  const u7d = byKey(usage.u7d, keyOf);
  const accounts: PoolAccount[] = [];
  const members = new Map<string, { provider: string; plan: string | null; member: PoolMember; status: AccountStatus }[]>();
  // Windows follow the account too: a new auth_index without a reading yet shows its account's newest one.
  const keyWindows = new Map<string, { at: number; ws: NonNullable<ReturnType<typeof windows.get>> }>();
  for (const [authIndex, ws] of windows) {
    const at = Math.max(0, ...ws.map((w) => w.observedAtMs));
    const k = keyOf(authIndex);
    if (ws.length && (keyWindows.get(k)?.at ?? -1) < at) keyWindows.set(k, { at, ws });
  }
  for (const acc of rows) {
    const own = windows.get(acc.authIndex) ?? [];
    const ws = own.length ? own : (keyWindows.get(keyOf(acc.authIndex))?.ws ?? []);
    const idle = (u24.get(keyOf(acc.authIndex))?.requests ?? 0) === 0 && usage.u24.size > 0;
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
    const owned = ownership.get(acc.authIndex);
    const verdict = accountStatus({
      file: { disabled: acc.disabled, cpaStatus: acc.cpaStatus, statusMessage: acc.statusMessage },
      ownership: owned ? { kind: owned.kind, reason: owned.reason, disabledAtMs: owned.disabledAtMs, recoverAtMs: owned.recoverAtMs } : null,
      openIssues: issues.get(acc.authIndex) ?? [],
      windows: ws,
      lastInspection: acc.lastInspectionMs !== null && acc.lastResult !== null ? { atMs: acc.lastInspectionMs, result: acc.lastResult } : null,
      nowMs,
    });
    const status = verdict.state;
    const disabledBy = acc.disabled ? (owned ? 'cpamp' : 'user') : null;
    const ownKey = keyOf(acc.authIndex);
    const a3 = u3.get(ownKey) ?? ZERO;
    const a24 = u24.get(ownKey) ?? ZERO;
    const a7 = u7d.get(ownKey) ?? ZERO;
    const burn = burnPerHour(a3, a24);
    const weekly = ws.some((w) => w.window.startsWith('weekly'));
    const value = (weekly ? a7 : a24).costMicros;
    const account: PoolAccount = {
      authIndex: acc.authIndex,
      upstream: upstreamOfKey(acc.authIndex),
      fileName: acc.fileName,
      provider: acc.provider,
      email: acc.email,
      plan: acc.plan,
      status,
      owner: verdict.owner,
      untilMs: verdict.untilMs,
      evidence: verdict.evidence,
      disabledBy,
      windows: ws.map(toQuotaWindow),
      lastInspection: acc.lastInspectionMs !== null && acc.lastResult !== null ? { atMs: acc.lastInspectionMs, result: acc.lastResult } : null,
      accountKey: ownKey,
      usage24h: { requests: a24.requests, failures: a24.failures, tokens: a24.tokens, costMicros: a24.costMicros },
      usage7d: { requests: a7.requests, failures: a7.failures, tokens: a7.tokens, costMicros: a7.costMicros },
      lastSeenMs: a7.lastSeenMs || null,
      burnPerHour: burn,
      ...exhaustion(fws, nowMs),
      valueMicros: value,
    };
    accounts.push(account);
    const key = `${acc.provider}\u0000${acc.plan ?? ''}`;
    // Forecast members: enabled accounts, exhausted ones included (their quota returns at the reset).
    const usable = !acc.disabled && (verdict.usable || status === 'exhausted');
    const list = members.get(key) ?? [];
    list.push({ provider: acc.provider, plan: acc.plan, member: { usable, windows: fws, burn }, status });
    members.set(key, list);
  }

  const counts = countStates(accounts.map((a) => a.status));

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
      exhausted: list.filter((m) => m.status === 'cooldown' || m.status === 'exhausted').length,
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
  q: { provider?: string; status?: AccountStatus; plan?: string; q?: string; sort: AccountSort; limit: number; offset: number },
): { items: PoolAccount[]; total: number; nextOffset: number | null } {
  const needle = q.q?.trim().toLowerCase() ?? '';
  const sorted = sortedAccounts(snap, q.sort);
  const list =
    !q.provider && !q.status && !q.plan && !needle
      ? sorted
      : sorted.filter(
          (a) =>
            (!q.provider || a.provider === q.provider) &&
            (!q.status || a.status === q.status) &&
            (!q.plan || (a.plan ?? '') === q.plan) &&
            (!needle || a.authIndex.toLowerCase().includes(needle) || (a.email ?? '').toLowerCase().includes(needle) || (a.fileName ?? '').toLowerCase().includes(needle)),
        );
  const items = list.slice(q.offset, q.offset + q.limit);
  const end = q.offset + items.length;
  return { items, total: list.length, nextOffset: end < list.length ? end : null };
}
