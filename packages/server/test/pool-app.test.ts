// The pool inside the real app: admin auth, and a user's enable through cpamp's own proxy ending cpamp's
// ownership of a quota cooldown at once (the onResponse hook on the proxied auth-file routes).
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { bearer, startTestApp, waitFor, type TestApp } from './helpers';
import { codexFile } from './pool-harness';

let t: TestApp | null = null;
let fake: FakeCpa | null = null;
afterEach(async () => {
  await t?.close();
  await fake?.close();
  t = null;
  fake = null;
});

/** The first value of `fn` that passes `ok`, polled until the deadline. */
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  return (await waitFor(async () => {
    const v = await fn();
    return ok(v) ? { v } : null;
  }, { timeoutMs: ms })).v;
}

describe('pool in the app', () => {
  it('needs the admin key, and a user enable through the proxy revokes cpamp ownership', async () => {
    fake = await startFakeCpa({ authFiles: [codexFile(1), codexFile(2)] });
    t = await startTestApp({ cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey }, { collector: false });
    const app = t.app;
    expect((await app.inject({ url: '/v0/management/pool/overview' })).statusCode).toBe(401);
    const auth = bearer(t.adminKey);
    expect((await app.inject({ method: 'PUT', url: '/v0/management/pool/policy', headers: auth, payload: { autoDisableOnExhaustion: true } })).json().policy.autoDisableOnExhaustion).toBe(true);
    fake.accounts.exhaust('a1', { resetInSeconds: 3600 });
    const started = await app.inject({ method: 'POST', url: '/v0/management/pool/inspections', headers: auth, payload: {} });
    expect(started.statusCode).toBe(202);
    const id = started.json().run.id as number;
    const run = await until(
      async () => (await app.inject({ url: `/v0/management/pool/inspections/${id}`, headers: auth })).json().run,
      (r: { state: string }) => r.state !== 'running',
    );
    expect(run).toMatchObject({ state: 'done', counts: { exhausted: 1, ok: 1 } });
    expect((await app.inject({ url: '/usage-service/quota-cooldowns', headers: auth })).json().items).toHaveLength(1);

    const patch = await app.inject({
      method: 'PATCH',
      url: '/v0/management/auth-files/status',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: codexFile(1).name, disabled: false }),
    });
    expect(patch.statusCode).toBe(200);
    const cooldowns = await until(
      async () => (await app.inject({ url: '/usage-service/quota-cooldowns', headers: auth })).json().items as unknown[],
      (items) => items.length === 0,
    );
    expect(cooldowns).toEqual([]);
    const log = (await app.inject({ url: '/v0/management/pool/actions?limit=1', headers: auth })).json();
    expect(log.items[0]).toMatchObject({ authIndex: 'a1', action: 'enable', actor: 'user' });
    expect(log.nextCursor).not.toBeNull();
  });

  it('a user disabling (again) through the proxy an account cpamp had disabled takes it over; the body reaches CPA intact', async () => {
    fake = await startFakeCpa({ authFiles: [codexFile(1), codexFile(2)] });
    t = await startTestApp({ cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey }, { collector: false });
    const app = t.app;
    const auth = bearer(t.adminKey);
    await app.inject({ method: 'PUT', url: '/v0/management/pool/policy', headers: auth, payload: { autoDisableOnExhaustion: true } });
    fake.accounts.exhaust('a1', { resetInSeconds: 3600 });
    const id = (await app.inject({ method: 'POST', url: '/v0/management/pool/inspections', headers: auth, payload: {} })).json().run.id as number;
    await until(
      async () => (await app.inject({ url: `/v0/management/pool/inspections/${id}`, headers: auth })).json().run,
      (r: { state: string }) => r.state !== 'running',
    );
    const cooldowns = async () => (await app.inject({ url: '/usage-service/quota-cooldowns', headers: auth })).json().items as unknown[];
    expect(await cooldowns()).toHaveLength(1);
    const disabledInCpa = (i: number) => fake!.authFiles().find((f) => f.authIndex === `a${i}`)?.content.disabled === true;
    expect(disabledInCpa(1)).toBe(true);

    // CPA's state does not change (already disabled), but the user said "disabled": the decision is theirs now.
    const patch = (name: string, disabled: boolean) =>
      app.inject({ method: 'PATCH', url: '/v0/management/auth-files/status', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ name, disabled }) });
    expect((await patch(codexFile(1).name, true)).statusCode).toBe(200);
    expect(await until(cooldowns, (items) => items.length === 0)).toEqual([]);
    expect(disabledInCpa(1)).toBe(true);
    const log = (await app.inject({ url: '/v0/management/pool/actions?limit=1', headers: auth })).json();
    expect(log.items[0]).toMatchObject({ authIndex: 'a1', action: 'disable', actor: 'user' });
    expect((await app.inject({ url: '/v0/management/pool/accounts/a1', headers: auth })).json().account).toMatchObject({ status: 'disabled_by_user', disabledBy: 'user' });

    // The tap never alters what CPA receives: a disable of an unowned account goes through as sent.
    expect((await patch(codexFile(2).name, true)).statusCode).toBe(200);
    expect(disabledInCpa(2)).toBe(true);
    const big = await app.inject({
      method: 'PATCH',
      url: '/v0/management/auth-files/status',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: codexFile(2).name, disabled: false, note: 'x'.repeat(40_000) }),
    });
    expect(big.statusCode).toBe(200);
    expect(disabledInCpa(2)).toBe(false);
  });

  it('answers 503 store_unavailable without a store', async () => {
    t = await startTestApp({}, { store: false, settings: undefined, collector: false });
    const res = await t.app.inject({ url: '/v0/management/pool/overview', headers: bearer(t.adminKey) });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('store_unavailable');
  });
});
