// Pure formatting for the pool pages: tones for statuses and verdicts, quota-window bars, money and
// browser-local clock times (reset times are epoch ms from the server and formatted only here: CPA Manager
// Plus formatted them on the server, 8 h off in a UTC container).
import type { ProviderForecast, QuotaWindow } from '../api/pool-api';
import type { PoolIntelMessages } from '../i18n/areas/pool-intel/en';

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | '';

const VERDICT_TONE: Record<string, Tone> = { safe: 'ok', watch: 'info', 'at-risk': 'warn', empty: 'bad', 'no-data': '' };
const STATUS_TONE: Record<string, Tone> = {
  active: 'ok', cooldown: 'warn', exhausted: 'warn', disabled_by_user: '', disabled_by_cpamp: 'info',
  expired: 'bad', unauthorized: 'bad', banned: 'bad', error: 'warn',
};
const RESULT_TONE: Record<string, Tone> = { ok: 'ok', exhausted: 'warn', unauthorized: 'bad', banned: 'bad', error: 'warn' };
const STATE_TONE: Record<string, Tone> = {
  running: 'info', done: 'ok', cancelled: '', failed: 'bad', open: 'bad', ignored: '', resolved: 'ok',
  sent: 'ok', retrying: 'warn', info: 'info', warning: 'warn', critical: 'bad',
};

export const verdictTone = (v: string): Tone => VERDICT_TONE[v] ?? '';
export const statusTone = (s: string): Tone => STATUS_TONE[s] ?? '';
export const resultTone = (r: string): Tone => RESULT_TONE[r] ?? '';
/** Tone for run / issue / incident / delivery states and alert severities. */
export const stateTone = (s: string): Tone => STATE_TONE[s] ?? '';

export interface WindowBar {
  window: string;
  /** 0..100, or null when the window has no reading yet. */
  used: number | null;
  tone: Tone;
  resetAtMs: number | null;
}

/** Used share of a quota window (from usedPercent, else 100 − remaining), clamped to 0..100. */
export function usedPercent(w: Pick<QuotaWindow, 'usedPercent' | 'remainingPercent'>): number | null {
  const v = w.usedPercent ?? (w.remainingPercent === null ? null : 100 - w.remainingPercent);
  if (v === null || !Number.isFinite(v)) return null;
  return Math.max(0, Math.min(100, v));
}

export function windowBar(w: QuotaWindow): WindowBar {
  const used = usedPercent(w);
  const tone: Tone = used === null ? '' : used >= 100 ? 'bad' : used >= 80 ? 'warn' : 'ok';
  return { window: w.window, used, tone, resetAtMs: w.resetAtMs };
}

/** The window with the least quota left (what runs out first), or null. */
export function tightestWindow<W extends Pick<QuotaWindow, 'usedPercent' | 'remainingPercent'>>(windows: readonly W[]): W | null {
  let best: W | null = null;
  let bestUsed = -1;
  for (const w of windows) {
    const u = usedPercent(w);
    if (u !== null && u > bestUsed) {
      best = w;
      bestUsed = u;
    }
  }
  return best;
}

/** Integer micro-dollars as USD: cents for larger sums, more digits for tiny ones. */
export function formatMoney(micros: number, lang: string): string {
  const usd = micros / 1e6;
  const digits = Math.abs(usd) >= 100 ? 0 : Math.abs(usd) >= 1 ? 2 : 4;
  return new Intl.NumberFormat(lang, { style: 'currency', currency: 'USD', maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(usd);
}

/** Compact number (1.2K, 3.4M) for burn rates and tokens. */
export function formatCompact(n: number, lang: string): string {
  return new Intl.NumberFormat(lang, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

const DAY = 86_400_000;

/**
 * Browser-local clock time: "14:30" today, "Thu 09:00" within a week, a short date beyond.
 * `timeZone` is for tests; the panel passes none (the browser's zone).
 */
export function formatClock(ms: number, nowMs: number, lang: string, timeZone?: string): string {
  const tz = timeZone ? { timeZone } : {};
  const dayKey = (t: number) => new Intl.DateTimeFormat('en-CA', { ...tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
  const time = new Intl.DateTimeFormat(lang, { ...tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
  if (dayKey(ms) === dayKey(nowMs)) return time;
  if (Math.abs(ms - nowMs) < 6.5 * DAY) {
    const wd = new Intl.DateTimeFormat(lang, { ...tz, weekday: 'short' }).format(ms);
    return `${wd} ${time}`;
  }
  return new Intl.DateTimeFormat(lang, { ...tz, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
}

export interface ForecastText {
  /** When the pool runs dry at the current burn, formatted, or null when it does not. */
  emptyAt: string | null;
  /** Window name and formatted time of the next reset, or null. */
  reset: { window: string; at: string } | null;
}

/** The parts of "Codex pool empty at 14:30; weekly reset Thu 09:00", in the browser's zone and language. */
export function forecastText(f: Pick<ProviderForecast, 'exhaustAtMs' | 'nextResetAtMs' | 'windows'>, nowMs: number, lang: string, timeZone?: string): ForecastText {
  const emptyAt = f.exhaustAtMs === null ? null : formatClock(f.exhaustAtMs, nowMs, lang, timeZone);
  let reset: ForecastText['reset'] = null;
  if (f.nextResetAtMs !== null) {
    const w = f.windows.find((x) => x.nextResetAtMs === f.nextResetAtMs) ?? f.windows[0];
    reset = { window: w?.window ?? '', at: formatClock(f.nextResetAtMs, nowMs, lang, timeZone) };
  }
  return { emptyAt, reset };
}

/** "Codex" for 'codex', "Claude (max)" with a plan. */
export function providerLabel(provider: string, plan: string | null): string {
  const name = provider ? provider.charAt(0).toUpperCase() + provider.slice(1) : '?';
  return plan ? `${name} (${plan})` : name;
}

/** Progress of an inspection run, 0..100. */
export function runPercent(run: { total: number; done: number }): number {
  if (run.total <= 0) return run.done > 0 ? 100 : 0;
  return Math.max(0, Math.min(100, Math.round((run.done / run.total) * 100)));
}

const TERMINAL = new Set(['done', 'cancelled', 'failed']);

/**
 * Which of two snapshots of the same inspection run to keep. Progress arrives from the live stream, polls
 * and the start response in any order; a finished run or a higher count never goes back to an older one.
 */
export function newerRun<R extends { state: string; done: number }>(prev: R | undefined, next: R): R {
  if (!prev) return next;
  const pt = TERMINAL.has(prev.state);
  const nt = TERMINAL.has(next.state);
  if (pt !== nt) return pt ? prev : next;
  return next.done >= prev.done ? next : prev;
}

/**
 * The forecast card's one sentence (why this verdict), in the browser's zone and language. Times come from
 * the server as epoch ms; a "runs dry" time is only ever shown when it is ahead of now.
 */
export function forecastSentence(
  f: Pick<ProviderForecast, 'reason' | 'bindingWindow' | 'exhaustAtMs' | 'dryAtMs' | 'nextResetAtMs' | 'emptyUntilMs'>,
  m: PoolIntelMessages['reason'],
  nowMs: number,
  lang: string,
  timeZone?: string,
): string | null {
  const at = (ms: number | null | undefined) => (ms == null ? null : formatClock(ms, nowMs, lang, timeZone));
  const window = f.bindingWindow ?? '';
  switch (f.reason) {
    case 'idle':
      return m.idle;
    case 'reset-first': {
      const reset = at(f.nextResetAtMs);
      const dry = at(f.dryAtMs);
      return reset && dry ? m.resetFirst({ window, reset, dry }) : m.idle;
    }
    case 'runs-dry': {
      const time = at(f.exhaustAtMs !== null && f.exhaustAtMs !== undefined ? Math.max(f.exhaustAtMs, nowMs) : null);
      if (!time) return null;
      const reset = at(f.nextResetAtMs);
      return reset ? m.runsDry({ window, time, reset }) : m.runsDryNoReset({ time });
    }
    case 'empty': {
      const until = at(f.emptyUntilMs);
      return until ? m.empty({ window, until }) : m.emptyNoReset;
    }
    case 'no-usable': {
      const until = at(f.emptyUntilMs);
      return until ? m.noUsable({ until }) : m.noUsableNoReset;
    }
    default:
      return null;
  }
}
