import { afterEach, describe, expect, it } from 'vitest';
import { connectResp, startFakeCpa, type FakeCpa } from '@cpamp/testkit';

const KEY = 'test-management-key';
let fake: FakeCpa | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${(fake as FakeCpa).url}/v0/management${path}`, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('fake CPA management auth (docs/design.md, "Management auth")', () => {
  it('accepts Bearer (any case), a bare Authorization value and X-Management-Key', async () => {
    fake = await startFakeCpa();
    expect((await get('/debug', { Authorization: `Bearer ${KEY}` })).status).toBe(200);
    expect((await get('/debug', { Authorization: `bEaReR ${KEY}` })).status).toBe(200);
    expect((await get('/debug', { Authorization: KEY })).status).toBe(200);
    expect((await get('/debug', { 'X-Management-Key': KEY })).status).toBe(200);
    // Authorization wins over X-Management-Key.
    expect((await get('/debug', { Authorization: 'Bearer wrong', 'X-Management-Key': KEY })).status).toBe(
      401,
    );
  });

  it('answers 401 missing/invalid with JSON errors and version headers even on failures', async () => {
    fake = await startFakeCpa();
    const missing = await get('/config');
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: 'missing management key' });
    expect(missing.headers.get('x-cpa-version')).toBe('7.2.140');
    expect(missing.headers.get('x-cpa-commit')).toBeTruthy();
    expect(missing.headers.get('x-cpa-build-date')).toBeTruthy();
    expect(missing.headers.get('x-cpa-support-plugin')).toBe('1');
    const invalid = await get('/config', { Authorization: 'Bearer nope' });
    expect(invalid.status).toBe(401);
    expect(invalid.body).toEqual({ error: 'invalid management key' });
    expect(invalid.headers.get('x-cpa-version')).toBe('7.2.140');
  });

  it('setVersion changes the headers; null removes them', async () => {
    fake = await startFakeCpa({ version: '6.10.8' });
    expect((await get('/debug', { Authorization: KEY })).headers.get('x-cpa-version')).toBe('6.10.8');
    fake.setVersion(null);
    expect((await get('/debug', { Authorization: KEY })).headers.get('x-cpa-version')).toBeNull();
  });

  it('rejects remote clients with 403 when allowRemote=false, honouring X-Forwarded-For / X-Real-IP like gin', async () => {
    fake = await startFakeCpa({ allowRemote: false });
    const remote = await get('/debug', { Authorization: KEY, 'X-Forwarded-For': '203.0.113.7' });
    expect(remote.status).toBe(403);
    expect(remote.body).toEqual({ error: 'remote management disabled' });
    expect((await get('/debug', { Authorization: KEY, 'X-Real-IP': '203.0.113.8' })).status).toBe(403);
    // Leftmost XFF entry counts; a client claiming 127.0.0.1 is treated as local.
    expect(
      (await get('/debug', { Authorization: KEY, 'X-Forwarded-For': '127.0.0.1, 203.0.113.7' })).status,
    ).toBe(200);
    expect((await get('/debug', { Authorization: KEY })).status).toBe(200);
    fake.setAllowRemote(true);
    expect((await get('/debug', { Authorization: KEY, 'X-Forwarded-For': '203.0.113.7' })).status).toBe(200);
  });

  it('bans an IP for 30 minutes after 5 failures (missing key counts), then lifts it', async () => {
    let t = Date.UTC(2026, 7, 22, 14, 0, 0);
    fake = await startFakeCpa({ now: () => t });
    const ip = { 'X-Forwarded-For': '198.51.100.1' };
    for (let i = 0; i < 4; i++)
      expect((await get('/debug', { ...ip, Authorization: 'bad' })).status).toBe(401);
    expect((await get('/debug', ip)).status).toBe(401); // 5th failure: missing key
    const banned = await get('/debug', { ...ip, Authorization: KEY });
    expect(banned.status).toBe(403);
    expect(banned.body.error).toBe('IP banned due to too many failed attempts. Try again in 30m0s');
    expect(banned.headers.get('x-cpa-version')).toBe('7.2.140');
    t += 48_000;
    expect((await get('/debug', { ...ip, Authorization: KEY })).body.error).toBe(
      'IP banned due to too many failed attempts. Try again in 29m12s',
    );
    // Other IPs are unaffected; the ban is visible in stats.
    expect((await get('/debug', { 'X-Forwarded-For': '198.51.100.2', Authorization: KEY })).status).toBe(200);
    expect(fake.stats().bannedIps).toEqual(['198.51.100.1']);
    expect(fake.stats().authFailures).toBe(5);
    t += 30 * 60_000;
    expect((await get('/debug', { ...ip, Authorization: KEY })).status).toBe(200);
    expect(fake.stats().bannedIps).toEqual([]);
  });

  it('a success resets the failure counter', async () => {
    fake = await startFakeCpa();
    const ip = { 'X-Forwarded-For': '198.51.100.3' };
    for (let i = 0; i < 4; i++) await get('/debug', { ...ip, Authorization: 'bad' });
    expect((await get('/debug', { ...ip, Authorization: KEY })).status).toBe(200);
    for (let i = 0; i < 4; i++)
      expect((await get('/debug', { ...ip, Authorization: 'bad' })).status).toBe(401);
    expect((await get('/debug', { ...ip, Authorization: KEY })).status).toBe(200);
  });

  it('shares the ban between HTTP and RESP AUTH (same peer IP)', async () => {
    fake = await startFakeCpa();
    const c = await connectResp(fake.port);
    for (let i = 0; i < 5; i++)
      expect(await c.call('AUTH', 'wrong')).toMatchObject({ message: 'ERR invalid management key' });
    const http = await get('/debug', { Authorization: KEY });
    expect(http.status).toBe(403);
    expect(String(http.body.error)).toMatch(
      /^IP banned due to too many failed attempts\. Try again in 30m0s$/,
    );
    expect(await c.call('AUTH', KEY)).toMatchObject({
      message: 'ERR IP banned due to too many failed attempts. Try again in 30m0s',
    });
    c.close();
  });

  it('setManagementKey simulates a key change on CPA', async () => {
    fake = await startFakeCpa({ managementKey: 'first' });
    expect(fake.managementKey).toBe('first');
    expect((await get('/debug', { Authorization: 'Bearer first' })).status).toBe(200);
    fake.setManagementKey('second');
    expect(fake.managementKey).toBe('second');
    expect((await get('/debug', { Authorization: 'Bearer first' })).status).toBe(401);
    expect((await get('/debug', { Authorization: 'Bearer second' })).status).toBe(200);
  });

  it("setManagementKey('') emulates CPA without a management secret: 404s, no queue, RESP closed", async () => {
    fake = await startFakeCpa();
    const sub = await connectResp(fake.port);
    await sub.call('AUTH', KEY);
    await sub.call('SUBSCRIBE', 'usage');
    fake.enqueueUsage({ model: 'x' });
    fake.setManagementKey('');
    await sub.closed;
    const res = await fetch(`${fake.url}/v0/management/config`, { headers: { Authorization: KEY } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-cpa-version')).toBeNull();
    fake.enqueueUsage({ model: 'y' });
    expect(fake.queueLength()).toBe(0);
    const c = await connectResp(fake.port);
    c.send('AUTH', KEY);
    await c.closed;
  });

  it('unknown management paths are auth-checked, then 404', async () => {
    fake = await startFakeCpa();
    expect((await fetch(`${fake.url}/v0/management/usage`)).status).toBe(401);
    const res = await fetch(`${fake.url}/v0/management/usage`, { headers: { Authorization: KEY } });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(''); // CPA's NoRoute handler: a bare 404
  });
});
