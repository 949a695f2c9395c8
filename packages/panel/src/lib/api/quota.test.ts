import { describe, expect, it } from 'vitest';
import type { AuthFile } from './cpa.schema';
import { buildQuotaRequest, parseQuota } from './quota';

const codex = { name: 'codex-a.json', type: 'codex', auth_index: 'abc', id_token: { chatgpt_account_id: 'acct-1' } } as AuthFile;

describe('quota', () => {
  it('builds a Codex usage call with $TOKEN$ and the ChatGPT account id', () => {
    const req = buildQuotaRequest(codex);
    expect(req?.authIndex).toBe('abc');
    expect(req?.header['Authorization']).toBe('Bearer $TOKEN$');
    expect(req?.header['Chatgpt-Account-Id']).toBe('acct-1');
  });

  it('skips providers without a quota API and files without an auth index', () => {
    expect(buildQuotaRequest({ name: 'g.json', type: 'gemini-cli', auth_index: 'x' } as AuthFile)).toBeNull();
    expect(buildQuotaRequest({ name: 'c.json', type: 'codex' } as AuthFile)).toBeNull();
  });

  it('parses Codex windows with labels and reset times', () => {
    const body = JSON.stringify({
      plan_type: 'plus',
      rate_limit: {
        primary_window: { used_percent: 42, limit_window_seconds: 18000, reset_at: 1_800_000_000 },
        secondary_window: { used_percent: 7, limit_window_seconds: 604800, reset_after_seconds: 60 },
      },
    });
    const r = parseQuota('codex', { status_code: 200, body }, 1_000_000);
    expect(r.plan).toBe('plus');
    expect(r.windows).toEqual([
      { id: 'primary_window', label: '5 h', usedPercent: 42, resetAtMs: 1_800_000_000_000 },
      { id: 'secondary_window', label: '7 d', usedPercent: 7, resetAtMs: 1_060_000 },
    ]);
  });

  it('parses Claude utilisation windows and ignores null ones', () => {
    const body = JSON.stringify({ five_hour: { utilization: 12, resets_at: '2026-01-01T00:00:00Z' }, seven_day_opus: null });
    const r = parseQuota('claude', { status_code: 200, body }, 0);
    expect(r.windows).toEqual([{ id: 'five_hour', label: '5 h', usedPercent: 12, resetAtMs: Date.UTC(2026, 0, 1) }]);
  });

  it('reports an upstream 401 as not OK', () => {
    const r = parseQuota('codex', { status_code: 401, body: '{"error":{"message":"token expired"}}' }, 0);
    expect(r).toMatchObject({ ok: false, upstreamStatus: 401, message: 'token expired' });
  });
});
