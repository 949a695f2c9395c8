// Burn rates and exhaustion forecasts for single accounts and for a provider's pool. Pure functions:
// every input (usage totals, window observations, the clock) comes in as an argument.

const HOUR = 3_600_000;
/** Observations must span at least this long before a slope is trusted. */
const MIN_SLOPE_SPAN_MS = 5 * 60_000;
/** A pool that empties within this horizon (but after the next reset) is "at risk". */
export const AT_RISK_HORIZON_MS = 6 * HOUR;

export interface UsageTotals {
  requests: number;
  tokens: number;
  costMicros: number;
}

export interface Burn {
  requests: number;
  tokens: number;
  costMicros: number;
}

/** Per-hour burn: the last 3 h when they saw traffic (recent pace wins), else the 24 h average. */
export function burnPerHour(last3h: UsageTotals, last24h: UsageTotals): Burn {
  const [u, hours] = last3h.requests > 0 ? [last3h, 3] : [last24h, 24];
  return {
    requests: Math.round((u.requests / hours) * 100) / 100,
    tokens: Math.round(u.tokens / hours),
    costMicros: Math.round(u.costMicros / hours),
  };
}

export interface WindowPoint {
  tMs: number;
  usedPercent: number;
  resetAtMs: number | null;
}

/** Same quota cycle: equal reset times (within a minute; header-derived resets jitter by seconds). */
const sameCycle = (a: number | null, b: number | null): boolean => a === null || b === null || Math.abs(a - b) <= 60_000;

/**
 * Percent of the window used per hour, from observations of the current cycle in the lookback.
 * Null when there is not enough history (fewer than two points, or a span under 5 minutes).
 */
export function percentPerHour(points: readonly WindowPoint[], current: WindowPoint, nowMs: number, lookbackMs = 3 * HOUR): number | null {
  const inCycle = points.filter((p) => p.tMs >= nowMs - lookbackMs && p.tMs <= current.tMs && sameCycle(p.resetAtMs, current.resetAtMs));
  const first = inCycle.reduce<WindowPoint | null>((a, p) => (a === null || p.tMs < a.tMs ? p : a), null);
  if (!first || current.tMs - first.tMs < MIN_SLOPE_SPAN_MS) return null;
  const rate = ((current.usedPercent - first.usedPercent) / (current.tMs - first.tMs)) * HOUR;
  return rate > 0 ? rate : 0;
}

/**
 * The average pace since the window's cycle began (fallback when there is no recent slope): a 5 h window
 * that resets in 3 h started 2 h ago, so 30 % used means 15 %/h. Null before 10 minutes of cycle.
 */
export function cyclePace(usedPercent: number | null, windowSeconds: number | null, resetAtMs: number | null, observedAtMs: number): number | null {
  if (usedPercent === null || !windowSeconds || resetAtMs === null) return null;
  const elapsed = windowSeconds * 1000 - (resetAtMs - observedAtMs);
  if (elapsed < 10 * 60_000 || elapsed > windowSeconds * 1000) return null;
  return (usedPercent / elapsed) * HOUR;
}

export interface ForecastWindow {
  window: string;
  usedPercent: number | null;
  resetAtMs: number | null;
  observedAtMs: number;
  /** % per hour (null = unknown). */
  ratePerHour: number | null;
}

/**
 * When a window hits 100 % at its rate; null when it does not before its own reset (or no rate), and null
 * for a window that is already full: its account is empty now, which `windowEmptyUntil` reports, and a
 * "runs out" time in the past would only confuse.
 */
export function windowExhaustAt(w: ForecastWindow, nowMs: number): number | null {
  if (w.usedPercent === null || w.usedPercent >= 100) return null;
  if (!w.ratePerHour || w.ratePerHour <= 0) return null;
  // Project from the observation: usage kept burning since then.
  const at = w.observedAtMs + ((100 - w.usedPercent) / w.ratePerHour) * HOUR;
  if (w.resetAtMs !== null && at >= w.resetAtMs) return null;
  return Math.max(at, nowMs);
}

/** A full window whose reset is still ahead blocks its account until then (null reset = until further notice). */
const isFull = (w: ForecastWindow, nowMs: number): boolean => w.usedPercent !== null && w.usedPercent >= 100 && (w.resetAtMs === null || w.resetAtMs > nowMs);

/**
 * Until when an account is empty: the latest reset among its full windows (every one must have reset),
 * `Infinity` when a full window has no known reset, null when the account is not empty.
 */
export function accountEmptyUntil(windows: readonly ForecastWindow[], nowMs: number): number | null {
  let until: number | null = null;
  for (const w of windows) {
    if (!isFull(w, nowMs)) continue;
    const r = w.resetAtMs ?? Infinity;
    if (until === null || r > until) until = r;
  }
  return until;
}

/** The account's projected exhaustion: the earliest window that runs out before its reset; never in the past. */
export function accountExhaustAt(
  windows: readonly ForecastWindow[],
  nowMs: number,
): { exhaustAtMs: number | null; window: string | null; emptyUntilMs: number | null } {
  const until = accountEmptyUntil(windows, nowMs);
  if (until !== null) return { exhaustAtMs: null, window: windows.find((w) => isFull(w, nowMs))?.window ?? null, emptyUntilMs: Number.isFinite(until) ? until : null };
  let best: { exhaustAtMs: number | null; window: string | null; emptyUntilMs: number | null } = { exhaustAtMs: null, window: null, emptyUntilMs: null };
  for (const w of windows) {
    const at = windowExhaustAt(w, nowMs);
    if (at !== null && (best.exhaustAtMs === null || at < best.exhaustAtMs)) best = { exhaustAtMs: at, window: w.window, emptyUntilMs: null };
  }
  return best;
}

export interface PoolMember {
  /** Usable now: not disabled, no auth issue. Exhausted members count as usable capacity 0. */
  usable: boolean;
  windows: readonly ForecastWindow[];
  burn: Burn;
}

export interface PoolWindowSummary {
  window: string;
  avgUsedPercent: number | null;
  minRemainingPercent: number | null;
  nextResetAtMs: number | null;
}

/**
 * safe: lasts until capacity comes back (idle, or a reset comes before it would run dry);
 * watch: runs dry before the next reset, but more than 6 h away;
 * at-risk: runs dry before the next reset within 6 h; empty: no account can serve now.
 */
export type PoolVerdict = 'safe' | 'watch' | 'at-risk' | 'empty' | 'no-data';
/** Why, for the card's one sentence. */
export type ForecastReason = 'idle' | 'reset-first' | 'runs-dry' | 'empty' | 'no-usable' | 'no-data';
export const VERDICT_RANK: Record<PoolVerdict, number> = { 'no-data': 0, safe: 1, watch: 2, 'at-risk': 3, empty: 4 };

export interface PoolForecast {
  windows: PoolWindowSummary[];
  burnPerHour: Burn;
  /** The window that decides the verdict. */
  bindingWindow: string | null;
  verdict: PoolVerdict;
  reason: ForecastReason;
  /** When the pool runs dry before capacity comes back (watch / at-risk); null otherwise. Never in the past. */
  exhaustAtMs: number | null;
  /** When it would run dry at the current pace ignoring resets (>= now), or null when idle. */
  dryAtMs: number | null;
  /** The binding window's next reset among the accounts that count (when capacity comes back). */
  nextResetAtMs: number | null;
  /** Empty pools: when the first account comes back (null = no known reset). */
  emptyUntilMs: number | null;
  /** Average remaining % of the binding window and its decline per hour (for the projected series). */
  avgRemainingPercent: number | null;
  remainingPercentPerHour: number;
}

interface WindowVerdict {
  window: string;
  verdict: PoolVerdict;
  reason: ForecastReason;
  exhaustAtMs: number | null;
  dryAtMs: number | null;
  nextResetAtMs: number | null;
  avgRemaining: number;
  ratePerAccount: number;
}

/**
 * Burn against capacity up to the next reset. Capacity is the summed remaining percent of the accounts
 * that can serve now (CPA spreads load over the accounts that still work, so a drained account's share
 * moves to the rest), burnt at their summed rate. Capacity comes back at the earliest reset among them
 * (or when an exhausted account's full windows reset): a pool that reaches that time before running dry
 * is safe. Disabled or broken accounts are no capacity; with none usable at all the pool is empty.
 */
export function poolForecast(members: readonly PoolMember[], nowMs: number): PoolForecast {
  const burn: Burn = { requests: 0, tokens: 0, costMicros: 0 };
  for (const m of members) {
    burn.requests += m.burn.requests;
    burn.tokens += m.burn.tokens;
    burn.costMicros += m.burn.costMicros;
  }
  burn.requests = Math.round(burn.requests * 100) / 100;
  const anyUsable = members.some((m) => m.usable);
  const counted = anyUsable ? members.filter((m) => m.usable) : members;
  // Members that are usable but blocked by a full window come back at their unblock time.
  const serving: PoolMember[] = [];
  let firstReturn: number | null = null;
  let returnWindow: string | null = null;
  const comesBack = (at: number, window: string | null) => {
    if (firstReturn === null || at < firstReturn) [firstReturn, returnWindow] = [at, window];
  };
  for (const m of counted) {
    const until = m.usable ? accountEmptyUntil(m.windows, nowMs) : null;
    if (until === null && m.usable) serving.push(m);
    else if (until !== null && Number.isFinite(until)) comesBack(until, m.windows.find((w) => isFull(w, nowMs) && w.resetAtMs === until)?.window ?? null);
    else if (!m.usable) for (const w of m.windows) if (isFull(w, nowMs) && w.resetAtMs !== null) comesBack(w.resetAtMs, w.window);
  }

  const kinds = new Map<string, { used: number[]; remaining: number; rate: number; serving: number; resets: number[] }>();
  for (const m of counted) {
    const servingNow = serving.includes(m);
    for (const w of m.windows) {
      if (w.usedPercent === null) continue;
      let k = kinds.get(w.window);
      if (!k) kinds.set(w.window, (k = { used: [], remaining: 0, rate: 0, serving: 0, resets: [] }));
      const live = w.resetAtMs === null || w.resetAtMs > nowMs;
      const used = live ? Math.min(100, w.usedPercent) : 0;
      k.used.push(used);
      if (w.resetAtMs !== null && w.resetAtMs > nowMs) k.resets.push(w.resetAtMs);
      if (!servingNow) continue;
      k.serving++;
      k.remaining += Math.max(0, 100 - used);
      if (live && w.ratePerHour) k.rate += w.ratePerHour;
    }
  }
  const windows: PoolWindowSummary[] = [];
  const verdicts: WindowVerdict[] = [];
  for (const [name, k] of kinds) {
    const avgUsed = k.used.reduce((a, b) => a + b, 0) / k.used.length;
    windows.push({
      window: name,
      avgUsedPercent: Math.round(avgUsed * 100) / 100,
      minRemainingPercent: Math.round(Math.min(...k.used.map((u) => 100 - u)) * 100) / 100,
      nextResetAtMs: k.resets.length ? Math.min(...k.resets) : null,
    });
    // Capacity comes back at the first reset of this window or the first return of a blocked account.
    const backAt = [...k.resets, ...(firstReturn !== null ? [firstReturn] : [])];
    const nextReset = backAt.length ? Math.min(...backAt) : null;
    const base = { window: name, nextResetAtMs: nextReset, avgRemaining: k.serving ? k.remaining / k.serving : 0, ratePerAccount: k.serving ? k.rate / k.serving : 0 };
    // A window seen only on accounts that cannot serve says nothing about the capacity left.
    if (k.serving === 0) continue;
    if (k.rate <= 0) {
      verdicts.push({ ...base, verdict: 'safe', reason: 'idle', exhaustAtMs: null, dryAtMs: null });
      continue;
    }
    const dryAt = Math.round(nowMs + (k.remaining / k.rate) * HOUR);
    if (nextReset !== null && dryAt >= nextReset) {
      verdicts.push({ ...base, verdict: 'safe', reason: 'reset-first', exhaustAtMs: null, dryAtMs: dryAt });
      continue;
    }
    verdicts.push({ ...base, verdict: dryAt - nowMs <= AT_RISK_HORIZON_MS ? 'at-risk' : 'watch', reason: 'runs-dry', exhaustAtMs: dryAt, dryAtMs: dryAt });
  }
  windows.sort((a, b) => a.window.localeCompare(b.window));
  const none = { windows, burnPerHour: burn, bindingWindow: null, exhaustAtMs: null, dryAtMs: null, nextResetAtMs: null, avgRemainingPercent: null, remainingPercentPerHour: 0 };
  // Nothing usable (every account disabled or broken): empty until one comes back, if any will.
  if (!anyUsable && members.length) {
    return { ...none, verdict: windows.length ? 'empty' : 'no-data', reason: windows.length ? 'no-usable' : 'no-data', emptyUntilMs: firstReturn, avgRemainingPercent: windows.length ? 0 : null };
  }
  if (anyUsable && serving.length === 0) {
    return { ...none, bindingWindow: returnWindow ?? windows[0]?.window ?? null, verdict: 'empty', reason: 'empty', emptyUntilMs: firstReturn, nextResetAtMs: firstReturn, avgRemainingPercent: 0 };
  }
  // The worst window decides; among equals, the one that runs dry (or would) first.
  const binding = verdicts.sort((a, b) => VERDICT_RANK[b.verdict] - VERDICT_RANK[a.verdict] || (a.dryAtMs ?? Infinity) - (b.dryAtMs ?? Infinity) || a.window.localeCompare(b.window))[0];
  if (!binding) return { ...none, verdict: 'no-data', reason: 'no-data', emptyUntilMs: null };
  return {
    windows,
    burnPerHour: burn,
    bindingWindow: binding.window,
    verdict: binding.verdict,
    reason: binding.reason,
    exhaustAtMs: binding.exhaustAtMs,
    dryAtMs: binding.dryAtMs,
    nextResetAtMs: binding.nextResetAtMs,
    emptyUntilMs: binding.verdict === 'empty' ? binding.nextResetAtMs : null,
    avgRemainingPercent: Math.round(binding.avgRemaining * 100) / 100,
    remainingPercentPerHour: Math.round(binding.ratePerAccount * 1000) / 1000,
  };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (n: number) => String(n).padStart(2, '0');

/** "14:30 UTC" today, "Thu 09:00 UTC" within a week, "2026-12-01 09:00 UTC" beyond. */
export function formatUtc(ms: number, nowMs: number): string {
  const d = new Date(ms);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  const n = new Date(nowMs);
  if (d.getUTCFullYear() === n.getUTCFullYear() && d.getUTCMonth() === n.getUTCMonth() && d.getUTCDate() === n.getUTCDate()) return `${hm} UTC`;
  if (Math.abs(ms - nowMs) < 7 * 24 * HOUR) return `${WEEKDAYS[d.getUTCDay()]} ${hm} UTC`;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${hm} UTC`;
}

const LABELS: Record<string, string> = { codex: 'Codex', claude: 'Claude', 'gemini-cli': 'Gemini', gemini: 'Gemini', antigravity: 'Antigravity', xai: 'xAI', kimi: 'Kimi' };
export const providerLabel = (p: string): string => LABELS[p] ?? (p ? p[0]!.toUpperCase() + p.slice(1) : 'Unknown');

/** The card's one sentence, e.g. "Codex pool: resets 14:30 UTC before it would run dry (15:10 UTC)". */
export function forecastMessage(provider: string, plan: string | null, f: PoolForecast, nowMs: number): string {
  const name = `${providerLabel(provider)}${plan ? ` (${plan})` : ''} pool`;
  const at = (ms: number | null) => (ms === null ? '?' : formatUtc(ms, nowMs));
  const w = f.bindingWindow ?? '';
  switch (f.reason) {
    case 'no-data':
      return `No quota data for the ${name} yet; run an inspection.`;
    case 'no-usable':
      return f.emptyUntilMs === null ? `${name} is empty: no account can serve.` : `${name} is empty until ${at(f.emptyUntilMs)}: no account can serve.`;
    case 'empty':
      return f.emptyUntilMs === null ? `${name} is empty: every account used its ${w} quota.` : `${name} is empty until ${at(f.emptyUntilMs)}, when the first ${w} quota resets.`;
    case 'idle':
      return `${name} is safe: no quota is being used.`;
    case 'reset-first':
      return `${name} is safe: the ${w} quota resets ${at(f.nextResetAtMs)}, before it would run dry (${at(f.dryAtMs)}).`;
    default:
      return f.nextResetAtMs === null
        ? `${name} runs dry ${at(f.exhaustAtMs)} at the current pace (no ${w} reset known).`
        : `${name} runs dry ${at(f.exhaustAtMs)} at the current pace, before the ${w} reset ${at(f.nextResetAtMs)}.`;
  }
}
