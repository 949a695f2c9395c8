import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCpa, type FakeCpa } from '../src/index';

let fake: FakeCpa | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const T0 = Date.UTC(2026, 10, 16, 10, 0);
const CODEX_URL = 'https://chatgpt.com/backend-api/wham/usage';
const CLAUDE_URL = 'https://api.anthropic.com/api/oauth/usage';
const probe = async (f: FakeCpa, authIndex: string, url = CODEX_URL) => {
  const res = await fetch(`${f.url}/v0/management/api-call`, {
    method: 'POST',
    headers: { authorization: `Bearer ${f.managementKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ auth_index: authIndex, method: 'GET', url, header: { Authorization: 'Bearer $TOKEN$', 'Chatgpt-Account-Id': 'acc' } }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { status_code: number; body: string };
};

describe('fake CPA per-account quota (api-call)', () => {
  it('answers windows, a full window as 200 + 100 % (limit_reached) until the reset on the fake clock, 401 and 403', async () => {
    let t = T0;
    fake = await startFakeCpa({ now: () => t, authFiles: [{ name: 'codex-a.json', authIndex: 'a', content: { type: 'codex', access_token: 'x' } }] });
    fake.accounts.setQuota('a', { primary: { usedPercent: 40, resetInSeconds: 600 } });
    let r = await probe(fake, 'a');
    expect(r.status_code).toBe(200);
    expect(JSON.parse(r.body).rate_limit.primary_window).toMatchObject({ used_percent: 40, limit_window_seconds: 18000, reset_at: (T0 + 600_000) / 1000 });
    fake.accounts.exhaust('a');
    r = await probe(fake, 'a');
    // The usage endpoint reports a used-up window; it does not fail (the 429 comes from the model endpoints).
    expect(r.status_code).toBe(200);
    expect(JSON.parse(r.body).rate_limit).toMatchObject({ allowed: false, limit_reached: true, primary_window: { used_percent: 100, reset_at: (T0 + 600_000) / 1000 } });
    t += 601_000;
    r = await probe(fake, 'a');
    expect(r.status_code).toBe(200);
    expect(JSON.parse(r.body).rate_limit.primary_window.used_percent).toBe(0);
    fake.accounts.expire('a');
    expect((await probe(fake, 'a')).status_code).toBe(401);
    fake.accounts.ban('a');
    expect((await probe(fake, 'a')).status_code).toBe(403);
    expect(fake.accounts.calls('a')).toBe(5);
    fake.accounts.clear('a');
    // Back to the canned deterministic answer.
    expect((await probe(fake, 'a')).status_code).toBe(200);
  });

  it('answers a full Claude window with 200 and utilization 100 until the reset', async () => {
    let t = T0;
    fake = await startFakeCpa({ now: () => t, authFiles: [{ name: 'claude-c.json', authIndex: 'c', content: { type: 'claude', access_token: 'x' } }] });
    fake.accounts.setQuota('c', { primary: { usedPercent: 20 }, secondary: { usedPercent: 35 } });
    fake.accounts.exhaust('c', { resetInSeconds: 1200 });
    let r = await probe(fake, 'c', CLAUDE_URL);
    expect(r.status_code).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.five_hour).toEqual({ utilization: 100, resets_at: new Date(T0 + 1_200_000).toISOString() });
    expect(body.seven_day.utilization).toBe(35);
    fake.accounts.exhaust('c', { window: 'secondary', resetInSeconds: 7200 });
    expect(JSON.parse((await probe(fake, 'c', CLAUDE_URL)).body).seven_day.utilization).toBe(100);
    t += 1_201_000;
    r = await probe(fake, 'c', CLAUDE_URL);
    expect(r.status_code).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ five_hour: { utilization: 0 }, seven_day: { utilization: 100 } });
  });
});
