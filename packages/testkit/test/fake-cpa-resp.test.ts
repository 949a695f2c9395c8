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

async function client(): Promise<RespTestClient> {
  const c = await connectResp((fake as FakeCpa).port);
  clients.push(c);
  return c;
}

const err = (message: string) => ({ message });
const rec = (n: number) => JSON.stringify({ timestamp: `2026-08-22T14:00:0${n}Z`, model: 'gpt-5' });

describe('fake CPA RESP usage queue (docs/design.md, "Usage queue over RESP")', () => {
  it('answers NOAUTH before AUTH and counts those commands as failed logins', async () => {
    fake = await startFakeCpa();
    const c = await client();
    expect(await c.call('PING')).toEqual(err('NOAUTH Authentication required.'));
    expect(await c.call('LPOP', 'usage')).toEqual(err('NOAUTH Authentication required.'));
    expect(fake.stats().authFailures).toBe(2);
    expect(await c.call('AUTH', KEY)).toBe('OK');
    expect(await c.call('LPOP', 'usage')).toBeNull();
  });

  it('5 pre-AUTH commands ban the IP; the 6th gets the ban message', async () => {
    fake = await startFakeCpa();
    const c = await client();
    for (let i = 0; i < 5; i++) await c.call('CLIENT', 'SETINFO', 'lib-name', 'x');
    expect(await c.call('INFO')).toEqual(
      err('ERR IP banned due to too many failed attempts. Try again in 30m0s'),
    );
    expect(fake.stats().bannedIps).toEqual(['127.0.0.1']);
  });

  it('AUTH <pw> and AUTH <user> <pw>; failures keep the connection open; wrong arity', async () => {
    fake = await startFakeCpa();
    const c = await client();
    expect(await c.call('AUTH', 'wrong')).toEqual(err('ERR invalid management key'));
    expect(await c.call('AUTH', '')).toEqual(err('ERR missing management key'));
    expect(await c.call('AUTH')).toEqual(err("ERR wrong number of arguments for 'auth' command"));
    expect(await c.call('auth', 'default', KEY)).toBe('OK');
    expect(c.isClosed()).toBe(false);
  });

  it('LPOP/RPOP without count: one oldest record as bulk, nil when empty', async () => {
    fake = await startFakeCpa();
    for (let i = 1; i <= 3; i++) fake.enqueueUsage(rec(i));
    const c = await client();
    await c.call('AUTH', KEY);
    expect(await c.call('RPOP', 'usage')).toBe(rec(1)); // RPOP pops the OLDEST too
    expect(await c.call('LPOP', 'usage')).toBe(rec(2));
    expect(await c.call('rpop', ' USAGE ')).toBe(rec(3));
    expect(await c.call('LPOP', 'usage')).toBeNull();
    c.sendRaw('*2\r\n$4\r\nLPOP\r\n$5\r\nusage\r\n');
    expect(await c.next()).toBeNull();
  });

  it('LPOP/RPOP with count: array of oldest records, *0 when empty; bad counts; other keys', async () => {
    fake = await startFakeCpa();
    for (let i = 1; i <= 3; i++) fake.enqueueUsage(rec(i));
    const c = await client();
    await c.call('AUTH', KEY);
    expect(await c.call('LPOP', 'usage', '2')).toEqual([rec(1), rec(2)]);
    expect(await c.call('RPOP', 'usage', '10')).toEqual([rec(3)]);
    expect(await c.call('RPOP', 'usage', '10')).toEqual([]);
    for (const bad of ['0', '-3', 'ten']) {
      expect(await c.call('RPOP', 'usage', bad)).toEqual(err('ERR value is not an integer or out of range'));
    }
    expect(await c.call('LPOP', 'other')).toEqual(err("ERR unsupported channel 'other'"));
    expect(await c.call('LPOP', 'usage', '1', 'x')).toEqual(
      err("ERR wrong number of arguments for 'lpop' command"),
    );
  });

  it('unknown commands use CPA wording (lower-cased name); the connection stays open', async () => {
    fake = await startFakeCpa();
    const c = await client();
    await c.call('AUTH', KEY);
    expect(await c.call('PING')).toEqual(err("ERR unknown command 'ping'"));
    expect(await c.call('HELLO', '3')).toEqual(err("ERR unknown command 'hello'"));
    expect(await c.call('LLEN', 'usage')).toEqual(err("ERR unknown command 'llen'"));
    expect(await c.call('QUIT')).toEqual(err("ERR unknown command 'quit'"));
    expect(c.isClosed()).toBe(false);
  });

  it('an inline command → -ERR protocol error and close', async () => {
    fake = await startFakeCpa();
    const c = await client();
    await c.call('AUTH', KEY);
    c.sendRaw('PING\r\n');
    expect(await c.next()).toEqual(err('ERR protocol error'));
    await c.closed;
  });

  it('pipelined commands are answered in order', async () => {
    fake = await startFakeCpa();
    fake.enqueueUsage(rec(1));
    const c = await client();
    c.sendRaw(
      '*2\r\n$4\r\nAUTH\r\n$19\r\ntest-management-key\r\n*3\r\n$4\r\nLPOP\r\n$5\r\nusage\r\n$1\r\n5\r\n',
    );
    expect(await c.next()).toBe('OK');
    expect(await c.next()).toEqual([rec(1)]);
  });

  it('emulates versions: none before 6.9.38, disabled in 7.1.17', async () => {
    fake = await startFakeCpa({ version: '6.9.37' });
    const old = await client();
    old.send('AUTH', KEY);
    await old.closed;
    fake.setVersion('7.1.17');
    const disabled = await client();
    disabled.send('AUTH', KEY); // the port routes on the first byte, so the client speaks first
    expect(await disabled.next()).toEqual(err('ERR RESP AUTH disabled; use mTLS'));
    await disabled.closed;
    fake.setVersion('7.1.18');
    const back = await client();
    expect(await back.call('AUTH', KEY)).toBe('OK');
  });
});
