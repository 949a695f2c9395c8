// P7 (cold start → /health 200): the server answers before its column cache is filled. The cache starts
// filling a moment after the app is ready (WARM_CACHE_DELAY_MS); until then views answer from rollups and SQL.
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startTestApp, waitFor, type TestApp } from './helpers';

describe('start-up: /health before the column cache warms', () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it('answers /health and /status while the cache is still cold', async () => {
    // A delay no test outlives: the cache stays cold for the whole test.
    t = await startTestApp({}, { warmCacheDelayMs: 600_000 });
    const { app } = t;
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ ok: true, status: 'ok' });
    const cold = await app.inject({ method: 'GET', url: '/status', headers: bearer(t.adminKey) });
    expect(cold.statusCode).toBe(200);
    expect(cold.json().eventCache).toBe('cold');
  });

  it('fills the cache a moment after it is ready', async () => {
    t = await startTestApp();
    const warm = await waitFor(
      async () => {
        const s = await t!.app.inject({ method: 'GET', url: '/status', headers: bearer(t!.adminKey) });
        return s.json().eventCache === 'warm' ? s.json() : null;
      },
      { what: 'the column cache to be warm after ready' },
    );
    expect(warm.events).toBe(0);
  });
});
