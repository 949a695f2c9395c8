import { afterEach, describe, expect, it } from 'vitest';
import { connectResp, startFakeCpa, type FakeCpa } from '@cpamp/testkit';

const KEY = 'test-management-key';
let fake: FakeCpa | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const mgmt = (path: string) =>
  fetch(`${(fake as FakeCpa).url}/v0/management${path}`, { headers: { Authorization: KEY } });

describe('fake CPA switches and faults', () => {
  it('serves HTTP and RESP on the same port by first-byte sniffing', async () => {
    fake = await startFakeCpa();
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}`);
    const c = await connectResp(fake.port);
    expect(await c.call('AUTH', KEY)).toBe('OK');
    expect((await mgmt('/debug')).status).toBe(200);
    expect(await c.call('LPOP', 'usage')).toBeNull();
    const root = await fetch(`${fake.url}/`);
    expect(await root.json()).toMatchObject({ message: 'CLI Proxy API Server' });
    c.close();
    expect(fake.stats().respConnections).toBe(1);
    expect(fake.stats().requests).toBeGreaterThanOrEqual(2);
  });

  it('faults.set({status}) answers 5xx, limited by pathPrefix; clear() restores', async () => {
    fake = await startFakeCpa();
    fake.faults.set({ status: 503, pathPrefix: '/v0/management/usage-queue' });
    expect((await mgmt('/usage-queue')).status).toBe(503);
    expect((await mgmt('/debug')).status).toBe(200);
    fake.faults.set({ status: 500 });
    const r = await mgmt('/debug');
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ error: 'fake fault' });
    fake.faults.clear();
    expect((await mgmt('/debug')).status).toBe(200);
  });

  it('faults.set({delayMs}) slows responses', async () => {
    fake = await startFakeCpa();
    fake.faults.set({ delayMs: 150 });
    const t0 = Date.now();
    expect((await mgmt('/debug')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('faults.set({resetConnections}) resets HTTP connections and new RESP connections', async () => {
    fake = await startFakeCpa();
    fake.faults.set({ resetConnections: true });
    await expect(mgmt('/debug')).rejects.toThrow();
    const c = await connectResp(fake.port);
    c.send('AUTH', KEY);
    await c.closed;
    fake.faults.clear();
    expect((await mgmt('/debug')).status).toBe(200);
  });

  it('close() ends open RESP subscribers and HTTP keep-alive sockets', async () => {
    const f = await startFakeCpa();
    const c = await connectResp(f.port);
    await c.call('AUTH', KEY);
    await c.call('SUBSCRIBE', 'usage');
    expect(f.subscriberCount()).toBe(1);
    await f.close();
    await c.closed;
  });
});
