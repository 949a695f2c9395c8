// CPA log lines look like `[2026-05-01 10:00:00] [warn] [file.go:12] message` (logrus levels).
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** The line's level from its `[level]` tag (falling back to words in the text), or null when none. */
export function logLevelOf(line: string): LogLevel | null {
  const tag = /^\[[^\]]*\]\s*\[(\w+)\]/.exec(line)?.[1]?.toLowerCase() ?? '';
  const word = tag || (/\b(fatal|panic|error|warn(?:ing)?|info|debug|trace)\b/i.exec(line)?.[1]?.toLowerCase() ?? '');
  if (word === 'error' || word === 'fatal' || word === 'panic') return 'error';
  if (word === 'warn' || word === 'warning') return 'warn';
  if (word === 'info') return 'info';
  if (word === 'debug' || word === 'trace') return 'debug';
  return null;
}

/** Keeps lines at `min` severity or worse; lines without a level (continuations) are kept. */
export function atLeast(line: string, min: LogLevel | ''): boolean {
  if (!min) return true;
  const l = logLevelOf(line);
  return l === null || RANK[l] <= RANK[min];
}

/** Requests the panel itself makes to the management API: noise when reading CPA's log. */
export function isManagementTraffic(line: string): boolean {
  return line.includes('/v0/management/');
}
