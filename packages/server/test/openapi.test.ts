// GET /openapi.json: generated from the zod schemas, public, without the proxy catch-alls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';

describe('GET /openapi.json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { collector: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves an OpenAPI 3 document without auth, listing analytics/usage/prices routes with their query params', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = JSON.parse(res.body) as { openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> };
    expect(doc.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.paths);
    expect(paths.some((p) => p.startsWith('/v0/management/analytics'))).toBe(true);
    expect(paths.some((p) => p.includes('usage'))).toBe(true);
    expect(paths.some((p) => p.includes('prices'))).toBe(true);
    const timeline = doc.paths['/v0/management/analytics/timeline']?.get;
    expect(timeline?.parameters?.some((p) => p.name === 'tz' && p.in === 'query')).toBe(true);
    expect(paths.some((p) => p.includes('*') || p.includes('{*}'))).toBe(false);
  });
});
