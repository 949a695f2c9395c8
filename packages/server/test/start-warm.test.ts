// P7 (cold start → /health 200): the server answers before its column cache is filled. The cache starts
// filling once the server listens; until then views answer from rollups and SQL.
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startTestApp, waitFor, type TestApp } from './helpers';

describe('start-up: /health before the column cache warms', () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it('answers /health while the cache is cold, and fills the cache once it listens', async () => {
    t = await startTestApp();
    const { app } = t;
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ ok: true, status: 'ok' });
    const cold = await app.inject({ method: 'GET', url: '/status', headers: bearer(t.adminKey) });
    expect(cold.statusCode).toBe(200);
    expect(cold.json().eventCache).toBe('cold');

    await app.listen({ host: '127.0.0.1', port: 0 });
    const warm = await waitFor(
      async () => {
        const s = await app.inject({ method: 'GET', url: '/status', headers: bearer(t!.adminKey) });
        return s.json().eventCache === 'warm' ? s.json() : null;
      },
      { what: 'the column cache to be warm after listen' },
    );
    expect(warm.events).toBe(0);
  });

  it('does not start the warm-up when the app closes before it listens', async () => {
    t = await startTestApp();
    const s = await t.app.inject({ method: 'GET', url: '/status', headers: bearer(t.adminKey) });
    expect(s.json().eventCache).toBe('cold');
    await t.close();
    t = null;
  });
});
