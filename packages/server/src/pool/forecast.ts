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

/** When a window hits 100 % at its rate; null when it does not before its own reset (or no rate). */
export function windowExhaustAt(w: ForecastWindow, nowMs: number): number | null {
  if (w.usedPercent === null) return null;
  if (w.usedPercent >= 100) return w.resetAtMs !== null && w.resetAtMs <= nowMs ? null : w.observedAtMs;
  if (!w.ratePerHour || w.ratePerHour <= 0) return null;
  // Project from the observation: usage kept burning since then.
  const at = w.observedAtMs + ((100 - w.usedPercent) / w.ratePerHour) * HOUR;
  if (w.resetAtMs !== null && at >= w.resetAtMs) return null;
  return Math.max(at, nowMs);
}

/** The account's projected exhaustion: the earliest window that runs out before its reset. */
export function accountExhaustAt(windows: readonly ForecastWindow[], nowMs: number): { exhaustAtMs: number | null; window: string | null } {
  let best: { exhaustAtMs: number | null; window: string | null } = { exhaustAtMs: null, window: null };
  for (const w of windows) {
    const at = windowExhaustAt(w, nowMs);
    if (at !== null && (best.exhaustAtMs === null || at < best.exhaustAtMs)) best = { exhaustAtMs: at, window: w.window };
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

export type PoolVerdict = 'ok' | 'at-risk' | 'exhausts-before-reset' | 'no-data';

export interface PoolForecast {
  windows: PoolWindowSummary[];
  burnPerHour: Burn;
  /** The window that empties first at the pool's pace. */
  bindingWindow: string | null;
  exhaustAtMs: number | null;
  nextResetAtMs: number | null;
  verdict: PoolVerdict;
  /** Average remaining % of the binding window and its decline per hour (for the projected series). */
  avgRemainingPercent: number | null;
  remainingPercentPerHour: number;
}

/**
 * The pool empties when the summed remaining percent of its usable accounts is burnt at the summed rate
 * (CPA spreads load over the accounts that still work, so a drained account's share moves to the rest).
 * Only accounts that can serve traffic count: a window type seen only on disabled accounts says nothing
 * about the capacity left. With no usable account at all the pool is empty now; the windows of the
 * others still tell when capacity comes back.
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
  const kinds = new Map<string, { used: number[]; remaining: number; rate: number; usable: number; resets: number[] }>();
  for (const m of counted) {
    for (const w of m.windows) {
      if (w.usedPercent === null) continue;
      let k = kinds.get(w.window);
      if (!k) kinds.set(w.window, (k = { used: [], remaining: 0, rate: 0, usable: 0, resets: [] }));
      const live = w.resetAtMs === null || w.resetAtMs > nowMs;
      const used = live ? w.usedPercent : 0;
      k.used.push(used);
      if (w.resetAtMs !== null && w.resetAtMs > nowMs) k.resets.push(w.resetAtMs);
      if (!m.usable) continue;
      k.usable++;
      k.remaining += Math.max(0, 100 - used);
      if (used < 100 && w.ratePerHour) k.rate += w.ratePerHour;
    }
  }
  const windows: PoolWindowSummary[] = [];
  let binding: { window: string; at: number | null; reset: number | null; avgRemaining: number; ratePerAccount: number } | null = null;
  for (const [name, k] of kinds) {
    const avgUsed = k.used.reduce((a, b) => a + b, 0) / k.used.length;
    const nextReset = k.resets.length ? Math.min(...k.resets) : null;
    windows.push({
      window: name,
      avgUsedPercent: Math.round(avgUsed * 100) / 100,
      minRemainingPercent: Math.round(Math.min(...k.used.map((u) => 100 - u)) * 100) / 100,
      nextResetAtMs: nextReset,
    });
    // Used up (or nothing usable at all): empty now; otherwise it lasts at the summed pace, or indefinitely.
    const at = k.rate > 0 ? nowMs + (k.remaining / k.rate) * HOUR : k.remaining <= 0 ? nowMs : null;
    const cand = {
      window: name,
      at,
      reset: nextReset,
      avgRemaining: k.usable ? k.remaining / k.usable : 0,
      ratePerAccount: k.usable ? k.rate / k.usable : 0,
    };
    if (!binding || (cand.at !== null && (binding.at === null || cand.at < binding.at))) binding = cand;
  }
  windows.sort((a, b) => a.window.localeCompare(b.window));
  if (!binding) {
    return { windows, burnPerHour: burn, bindingWindow: null, exhaustAtMs: null, nextResetAtMs: null, verdict: 'no-data', avgRemainingPercent: null, remainingPercentPerHour: 0 };
  }
  const exhaustAtMs = binding.at === null ? null : Math.round(binding.at);
  let verdict: PoolVerdict = 'ok';
  if (exhaustAtMs !== null) {
    if (binding.reset === null || exhaustAtMs < binding.reset) verdict = 'exhausts-before-reset';
    else if (exhaustAtMs - nowMs <= AT_RISK_HORIZON_MS) verdict = 'at-risk';
  }
  return {
    windows,
    burnPerHour: burn,
    bindingWindow: binding.window,
    exhaustAtMs,
    nextResetAtMs: binding.reset,
    verdict,
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

/** One line for the overview, e.g. "Codex pool empty at 14:30 UTC; weekly reset Thu 09:00 UTC". */
export function forecastMessage(provider: string, plan: string | null, f: PoolForecast, nowMs: number): string {
  const name = `${providerLabel(provider)}${plan ? ` (${plan})` : ''} pool`;
  const reset = f.nextResetAtMs !== null && f.bindingWindow ? `${f.bindingWindow} reset ${formatUtc(f.nextResetAtMs, nowMs)}` : null;
  switch (f.verdict) {
    case 'no-data':
      return `No quota data for the ${name} yet; run an inspection.`;
    case 'exhausts-before-reset':
      return `${name} empty at ${formatUtc(f.exhaustAtMs as number, nowMs)}${reset ? `; ${reset}` : ''}`;
    case 'at-risk':
      return `${name} at risk: empty at ${formatUtc(f.exhaustAtMs as number, nowMs)} at the current pace${reset ? ` (next ${reset})` : ''}`;
    default:
      return f.exhaustAtMs === null
        ? `${name} OK: no exhaustion projected at the current pace${reset ? `; next ${reset}` : ''}`
        : `${name} OK: lasts until ${formatUtc(f.exhaustAtMs, nowMs)}${reset ? `; next ${reset}` : ''}`;
  }
}
