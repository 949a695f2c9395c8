import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCpa, type FakeCpa } from '../src/index';

let fake: FakeCpa | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const T0 = Date.UTC(2026, 10, 16, 10, 0);
const probe = async (f: FakeCpa, authIndex: string) => {
  const res = await fetch(`${f.url}/v0/management/api-call`, {
    method: 'POST',
    headers: { authorization: `Bearer ${f.managementKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ auth_index: authIndex, method: 'GET', url: 'https://chatgpt.com/backend-api/wham/usage', header: { Authorization: 'Bearer $TOKEN$', 'Chatgpt-Account-Id': 'acc' } }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { status_code: number; body: string };
};

describe('fake CPA per-account quota (api-call)', () => {
  it('answers windows, 429 usage_limit_reached until the reset on the fake clock, 401 and 403', async () => {
    let t = T0;
    fake = await startFakeCpa({ now: () => t, authFiles: [{ name: 'codex-a.json', authIndex: 'a', content: { type: 'codex', access_token: 'x' } }] });
    fake.accounts.setQuota('a', { primary: { usedPercent: 40, resetInSeconds: 600 } });
    let r = await probe(fake, 'a');
    expect(r.status_code).toBe(200);
    expect(JSON.parse(r.body).rate_limit.primary_window).toMatchObject({ used_percent: 40, limit_window_seconds: 18000, reset_at: (T0 + 600_000) / 1000 });
    fake.accounts.exhaust('a');
    r = await probe(fake, 'a');
    expect(r.status_code).toBe(429);
    expect(JSON.parse(r.body).error).toMatchObject({ type: 'usage_limit_reached', resets_in_seconds: 600 });
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
});
