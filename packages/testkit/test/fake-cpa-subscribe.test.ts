import { afterEach, describe, expect, it } from 'vitest';
import { connectResp, startFakeCpa, type FakeCpa, type RespTestClient } from '@cpamp/testkit';

const KEY = 'test-management-key';
let fake: FakeCpa | undefined;
const clients: RespTestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await fake?.close();
  fake = undefined;
});

async function subscriber(channel = 'usage'): Promise<RespTestClient> {
  const c = await connectResp((fake as FakeCpa).port);
  clients.push(c);
  expect(await c.call('AUTH', KEY)).toBe('OK');
  expect(await c.call('SUBSCRIBE', channel)).toEqual(['subscribe', channel, 1]);
  return c;
}

const err = (message: string) => ({ message });
const msg = (payload: string, channel = 'usage') => ['message', channel, payload];
const rec = (n: number) =>
  JSON.stringify({ timestamp: `2026-08-22T14:00:${String(n).padStart(2, '0')}Z`, model: 'gpt-5' });

describe('fake CPA RESP SUBSCRIBE (docs/design.md, "Usage queue over RESP")', () => {
  it('sends {"support_refresh":true} first, then records and {"refresh":true} control messages', async () => {
    fake = await startFakeCpa();
    const c = await subscriber();
    expect(await c.next()).toEqual(msg('{"support_refresh":true}'));
    fake.enqueueUsage(rec(1));
    expect(await c.next()).toEqual(msg(rec(1)));
    fake.notifyRefresh();
    expect(await c.next()).toEqual(msg('{"refresh":true}'));
    // Auth-file changes trigger a refresh as CPA's watcher does.
    fake.putAuthFile({
      name: 'codex-x@example.com.json',
      content: { type: 'codex', email: 'x@example.com' },
    });
    expect(await c.next()).toEqual(msg('{"refresh":true}'));
  });

  it('a subscriber steals every record: nothing reaches the pop queue; backlog is not replayed', async () => {
    fake = await startFakeCpa();
    fake.enqueueUsage(rec(1)); // backlog before anyone subscribes
    const c = await subscriber();
    await c.next(); // support_refresh
    fake.enqueueUsage(rec(2));
    fake.enqueueUsage(rec(3));
    expect(await c.next()).toEqual(msg(rec(2)));
    expect(await c.next()).toEqual(msg(rec(3)));
    expect(fake.queueLength()).toBe(1); // only the backlog
    const res = await fetch(`${fake.url}/v0/management/usage-queue?count=10`, {
      headers: { Authorization: KEY },
    });
    expect(await res.json()).toEqual([JSON.parse(rec(1))]);
    expect(fake.stats().deliveredToSubscribers).toBe(2);
  });

  it('fans out to every subscriber', async () => {
    fake = await startFakeCpa();
    const a = await subscriber();
    const b = await subscriber();
    await a.next();
    await b.next();
    expect(fake.subscriberCount('usage')).toBe(2);
    fake.enqueueUsage(rec(1));
    expect(await a.next()).toEqual(msg(rec(1)));
    expect(await b.next()).toEqual(msg(rec(1)));
  });

  it('subscription mode: PING [msg], unknown commands, UNSUBSCRIBE closes', async () => {
    fake = await startFakeCpa();
    const c = await subscriber();
    await c.next();
    expect(await c.call('PING')).toEqual(['pong', null]); // CPA writes a nil bulk without an argument
    expect(await c.call('PING', 'hi')).toEqual(['pong', 'hi']);
    expect(await c.call('PING', '')).toEqual(['pong', '']); // an empty argument is $0, not nil
    expect(await c.call('LPOP', 'usage')).toEqual(err("ERR unknown command 'lpop'"));
    expect(await c.call('SUBSCRIBE', 'errors')).toEqual(err("ERR unknown command 'subscribe'"));
    expect(await c.call('UNSUBSCRIBE')).toEqual(['unsubscribe', 'usage', 0]);
    await c.closed;
    expect(fake.subscriberCount()).toBe(0);
  });

  it('QUIT in subscription mode → +OK and close', async () => {
    fake = await startFakeCpa();
    const c = await subscriber();
    await c.next();
    expect(await c.call('QUIT')).toBe('OK');
    await c.closed;
    expect(fake.subscriberCount('usage')).toBe(0);
  });

  it('SUBSCRIBE needs exactly one known channel', async () => {
    fake = await startFakeCpa();
    const c = await connectResp(fake.port);
    clients.push(c);
    await c.call('AUTH', KEY);
    expect(await c.call('SUBSCRIBE', 'usage', 'errors')).toEqual(
      err("ERR wrong number of arguments for 'subscribe' command"),
    );
    expect(await c.call('SUBSCRIBE', 'Other')).toEqual(err("ERR unsupported channel 'Other'"));
  });

  it('errors channel gets publishError events; usage records do not go there', async () => {
    fake = await startFakeCpa();
    const c = await subscriber('errors');
    const event = {
      timestamp: '2026-08-22T14:06:40Z',
      auth_index: '5e2c8d1f00a3b9c4',
      status_code: 429,
      body: 'quota',
    };
    fake.publishError(event);
    expect(await c.next()).toEqual(msg(JSON.stringify(event), 'errors'));
    fake.enqueueUsage(rec(1));
    expect(fake.queueLength()).toBe(1); // no usage subscriber → queued
  });

  it('version gates: no SUBSCRIBE before 7.0.7, no control payloads before 7.1.39, no errors channel before 7.1.44', async () => {
    fake = await startFakeCpa({ version: '7.0.6' });
    const old = await connectResp(fake.port);
    clients.push(old);
    await old.call('AUTH', KEY);
    expect(await old.call('SUBSCRIBE', 'usage')).toEqual(err("ERR unknown command 'subscribe'"));
    fake.setVersion('7.1.38');
    const mid = await subscriber();
    fake.enqueueUsage(rec(1));
    expect(await mid.next()).toEqual(msg(rec(1))); // no support_refresh first
    fake.notifyRefresh();
    fake.enqueueUsage(rec(2));
    expect(await mid.next()).toEqual(msg(rec(2)));
    fake.setVersion('7.1.43');
    const e = await connectResp(fake.port);
    clients.push(e);
    await e.call('AUTH', KEY);
    expect(await e.call('SUBSCRIBE', 'errors')).toEqual(err("ERR unsupported channel 'errors'"));
  });

  it('a fast subscriber keeps up with 2000 records', async () => {
    fake = await startFakeCpa();
    const c = await subscriber();
    await c.next();
    for (let i = 0; i < 2000; i++) fake.enqueueUsage(rec(i % 60));
    for (let i = 0; i < 2000; i++) await c.next();
    expect(fake.stats().subscribersDropped).toBe(0);
    expect(fake.subscriberCount('usage')).toBe(1);
  });

  it('drops a subscriber that cannot keep up past 256 pending messages and closes its connection', async () => {
    fake = await startFakeCpa();
    const slow = await subscriber();
    await slow.next();
    slow.socket.pause(); // stop reading: kernel buffers fill, then the server's write() starts returning false
    const big = JSON.stringify({ timestamp: '2026-08-22T14:00:00Z', model: 'gpt-5', pad: 'x'.repeat(8192) });
    let sent = 0;
    while (fake.subscriberCount('usage') > 0 && sent < 20_000) {
      fake.enqueueUsage(big);
      sent++;
      if (sent % 200 === 0) await new Promise((r) => setImmediate(r)); // let libuv flush to the kernel
    }
    expect(fake.subscriberCount('usage')).toBe(0);
    expect(fake.stats().subscribersDropped).toBe(1);
    slow.socket.resume();
    await slow.closed;
    // Records that arrived after the drop go to the queue again.
    fake.enqueueUsage(rec(1));
    expect(fake.queueLength()).toBe(1);
  });
});
