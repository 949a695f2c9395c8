import { afterEach, describe, expect, it } from 'vitest';
import { connectResp, startFakeCpa, type FakeCpa } from '@cpamp/testkit';

const KEY = 'test-management-key';
let fake: FakeCpa | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function pop(query = '') {
  const res = await fetch(`${(fake as FakeCpa).url}/v0/management/usage-queue${query}`, {
    headers: { Authorization: `Bearer ${KEY}` },
  });
  return { status: res.status, text: await res.text() };
}

const rec = (n: number) => ({
  timestamp: `2026-08-22T14:00:0${n}Z`,
  model: 'gpt-5',
  request_id: `0000000${n}`,
});

describe('fake CPA usage queue over HTTP (docs/design.md, "Usage queue over HTTP")', () => {
  it('pops FIFO, default count 1, count clamps to what is available, [] when empty', async () => {
    fake = await startFakeCpa();
    for (let i = 1; i <= 5; i++) fake.enqueueUsage(rec(i));
    expect(fake.queueLength()).toBe(5);
    const one = await pop();
    expect(one.status).toBe(200);
    expect(JSON.parse(one.text)).toEqual([rec(1)]);
    expect(JSON.parse((await pop('?count=2')).text)).toEqual([rec(2), rec(3)]);
    expect(JSON.parse((await pop('?count=100')).text)).toEqual([rec(4), rec(5)]);
    const empty = await pop('?count=10');
    expect(empty).toEqual({ status: 200, text: '[]' });
    expect(fake.stats().popped).toBe(5);
  });

  it('emits stored payloads verbatim, or as a JSON string when not valid JSON', async () => {
    fake = await startFakeCpa();
    fake.enqueueUsage('{"a":1}');
    fake.enqueueUsage('not json');
    expect((await pop('?count=2')).text).toBe('[{"a":1},"not json"]');
  });

  it.each(['0', '-1', 'abc', '1.5'])('count=%s → 400 count must be a positive integer', async (count) => {
    fake = await startFakeCpa();
    fake.enqueueUsage(rec(1));
    const res = await pop(`?count=${count}`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ error: 'count must be a positive integer' });
    expect(fake.queueLength()).toBe(1);
  });

  it('404 when emulating CPA older than v6.10.8', async () => {
    fake = await startFakeCpa({ version: '6.10.7' });
    fake.enqueueUsage(rec(1));
    expect((await pop()).status).toBe(404);
    fake.setVersion('6.10.8');
    expect((await pop()).status).toBe(200);
  });

  it('drops records older than retentionSeconds (injected clock)', async () => {
    let t = Date.UTC(2026, 7, 22, 14, 0, 0);
    fake = await startFakeCpa({ now: () => t, retentionSeconds: 60 });
    fake.enqueueUsage(rec(1));
    t += 30_000;
    fake.enqueueUsage(rec(2));
    t += 30_001; // rec(1) is now 60.001 s old
    expect(fake.queueLength()).toBe(1);
    expect(JSON.parse((await pop('?count=10')).text)).toEqual([rec(2)]);
    expect(fake.stats().expired).toBe(1);
  });

  it('queues nothing while usage-statistics-enabled is false (HTTP toggle too)', async () => {
    fake = await startFakeCpa({ usageStatisticsEnabled: false });
    fake.enqueueUsage(rec(1));
    expect((await pop('?count=10')).text).toBe('[]');
    const put = await fetch(`${fake.url}/v0/management/usage-statistics-enabled`, {
      method: 'PUT',
      headers: { Authorization: KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ value: true }),
    });
    expect(await put.json()).toEqual({ status: 'ok' });
    fake.enqueueUsage(rec(2));
    expect(JSON.parse((await pop('?count=10')).text)).toEqual([rec(2)]);
    fake.setUsageStatisticsEnabled(false);
    fake.enqueueUsage(rec(3));
    expect(fake.queueLength()).toBe(0);
    expect(fake.stats().droppedDisabled).toBe(2);
  });

  it('shares one destructive buffer with RESP pops', async () => {
    fake = await startFakeCpa();
    for (let i = 1; i <= 4; i++) fake.enqueueUsage(rec(i));
    const c = await connectResp(fake.port);
    expect(await c.call('AUTH', KEY)).toBe('OK');
    expect(JSON.parse((await c.call('RPOP', 'usage')) as string)).toEqual(rec(1));
    expect(JSON.parse((await pop('?count=2')).text)).toEqual([rec(2), rec(3)]);
    expect(await c.call('LPOP', 'usage', '5')).toEqual([JSON.stringify(rec(4))]);
    c.close();
  });

  it('a second consumer competes for the records', async () => {
    fake = await startFakeCpa();
    const other = fake.startSecondConsumer({ intervalMs: 5, count: 2 });
    for (let i = 1; i <= 6; i++) fake.enqueueUsage(rec(i));
    const deadline = Date.now() + 2000;
    while (other.consumed() < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(other.consumed()).toBe(6);
    expect((await pop('?count=10')).text).toBe('[]');
    other.stop();
    // A consumer that still runs takes the next records; the stopped one must take none of them.
    const live = fake.startSecondConsumer({ intervalMs: 5, count: 1 });
    for (let i = 7; i <= 9; i++) fake.enqueueUsage(rec(i));
    for (const until = Date.now() + 2000; live.consumed() < 3 && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 5));
    live.stop();
    expect(live.consumed()).toBe(3);
    expect(other.consumed()).toBe(6);
    expect(fake.queueLength()).toBe(0);
  });
});
