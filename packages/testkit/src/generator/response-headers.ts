/** Snapshots of upstream quota / rate-limit response headers that CPA attaches as `response_headers`. */
import type { GeneratedAccount } from './types';

const FIVE_HOURS_S = 18_000;
const WEEK_S = 604_800;

/** A smooth, per-account usage level: saw-tooth over the window with an account-specific phase. */
function windowState(
  account: GeneratedAccount,
  startSec: number,
  windowS: number,
): { percent: number; resetAfter: number } {
  const phase = ((account.index * 0.6180339887) % 1) * windowS;
  const into = (startSec + phase) % windowS;
  return {
    percent: Math.min(99, Math.floor((into / windowS) * 100)),
    resetAfter: Math.max(1, Math.floor(windowS - into)),
  };
}

export function codexHeaders(
  account: GeneratedAccount,
  startSec: number,
  resetsInSeconds: number,
): Record<string, string[]> {
  const primary = windowState(account, startSec, FIVE_HOURS_S);
  const secondary = windowState(account, startSec, WEEK_S);
  const limited = resetsInSeconds > 0;
  return {
    'Content-Type': [limited ? 'application/json' : 'text/event-stream'],
    'X-Codex-Primary-Used-Percent': [String(limited ? 100 : primary.percent)],
    'X-Codex-Primary-Window-Minutes': ['300'],
    'X-Codex-Primary-Reset-After-Seconds': [String(limited ? resetsInSeconds : primary.resetAfter)],
    'X-Codex-Secondary-Used-Percent': [String(secondary.percent)],
    'X-Codex-Secondary-Window-Minutes': ['10080'],
    'X-Codex-Secondary-Reset-After-Seconds': [String(secondary.resetAfter)],
    'X-Codex-Plan-Type': [account.planType || 'plus'],
  };
}

export function claudeHeaders(
  account: GeneratedAccount,
  startSec: number,
  resetsInSeconds: number,
): Record<string, string[]> {
  const limited = resetsInSeconds > 0;
  if (account.authType === 'apikey') {
    return {
      'Content-Type': ['application/json'],
      'Anthropic-Ratelimit-Requests-Limit': ['4000'],
      'Anthropic-Ratelimit-Requests-Remaining': [String(limited ? 0 : 4000 - (account.index % 97))],
      'Anthropic-Ratelimit-Tokens-Limit': ['2000000'],
      'Anthropic-Ratelimit-Tokens-Remaining': [String(limited ? 0 : 2_000_000 - (startSec % 900_000))],
      ...(limited ? { 'Retry-After': [String(resetsInSeconds)] } : {}),
    };
  }
  const five = windowState(account, startSec, FIVE_HOURS_S);
  const week = windowState(account, startSec, WEEK_S);
  return {
    'Content-Type': [limited ? 'application/json' : 'text/event-stream; charset=utf-8'],
    'Anthropic-Ratelimit-Unified-Status': [limited ? 'rejected' : 'allowed'],
    'Anthropic-Ratelimit-Unified-5h-Status': [limited ? 'rejected' : 'allowed'],
    'Anthropic-Ratelimit-Unified-5h-Utilization': [(limited ? 1 : five.percent / 100).toFixed(2)],
    'Anthropic-Ratelimit-Unified-5h-Reset': [
      String(startSec + (limited ? resetsInSeconds : five.resetAfter)),
    ],
    'Anthropic-Ratelimit-Unified-7d-Utilization': [(week.percent / 100).toFixed(2)],
    'Anthropic-Ratelimit-Unified-7d-Reset': [String(startSec + week.resetAfter)],
    'Anthropic-Ratelimit-Unified-Representative-Claim': ['five_hour'],
  };
}
