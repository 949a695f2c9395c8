import { describe, expect, it } from 'vitest';
import { atLeast, isManagementTraffic, logLevelOf } from './log-level';

describe('log levels', () => {
  it('reads the [level] tag of a CPA line, else a level word', () => {
    expect(logLevelOf('[2026-05-01 10:00:00] [warning] [a.go:1] slow')).toBe('warn');
    expect(logLevelOf('[2026-05-01 10:00:00] [info] [a.go:1] error count 0')).toBe('info');
    expect(logLevelOf('[2026-05-01 10:00:00] [fatal] boom')).toBe('error');
    expect(logLevelOf('panic: runtime error')).toBe('error');
    expect(logLevelOf('   at main.go:12')).toBeNull();
  });

  it('keeps a level and the worse ones; lines without a level always pass', () => {
    expect(atLeast('[t] [info] x', 'warn')).toBe(false);
    expect(atLeast('[t] [error] x', 'warn')).toBe(true);
    expect(atLeast('[t] [debug] x', '')).toBe(true);
    expect(atLeast('continuation', 'error')).toBe(true);
    expect(isManagementTraffic('[t] [info] GET /v0/management/config 200')).toBe(true);
  });
});
