// Exports people can use: cost_usd (6-place decimal) beside costMicros, the key's alias beside its masked
// label, times in the asked zone; the CSV is read back by a real CSV parser (Python's csv module) with
// commas, quotes and newlines in fields.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openStore, type Store } from '@cpamp/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent } from '../../store/test/helpers/events';
import { bearer, startTestApp, tempDir, type TestApp } from './helpers';

const T0 = Date.UTC(2026, 6, 1, 10, 30); // 1 Jul 2026 10:30 UTC = 12:30 in Berlin (CEST)
const HASH = createHash('sha256').update('sk-team-a').digest('hex');

let t: TestApp;
let store: Store;
let dir: { path: string; cleanup(): void };

beforeAll(async () => {
  dir = tempDir('cpamp-export-cost-');
  store = await openStore({ path: join(dir.path, 'usage.sqlite') });
  t = await startTestApp({}, { store, collector: false });
  await store.prices.set('acme-2', { input: 2, output: 8 });
  await store.insertBatch([
    // 1000·2 + 200·8 = 3600 µ$ = 0.003600 USD
    makeEvent({ model: 'acme-2', alias: 'acme-2', timestampMs: T0, inputTokens: 1000, outputTokens: 200, userAgent: 'agent "x", v1' }),
    // 1234567·2 + 1·8 = 2469142 µ$ = 2.469142 USD; a failure body with a comma, quotes and a newline
    makeEvent({ model: 'acme-2', alias: 'acme-2', timestampMs: T0 + 1000, inputTokens: 1_234_567, outputTokens: 1, failed: true, statusCode: 500, failBody: 'upstream said: "no",\nretry later' }),
    makeEvent({ model: 'unpriced-x', alias: 'unpriced-x', timestampMs: T0 + 2000 }),
  ]);
  const alias = await t.app.inject({ method: 'PUT', url: '/v0/management/api-key-aliases', headers: bearer(t.adminKey), payload: { items: [{ apiKeyHash: HASH, alias: 'Team, "A"' }] } });
  expect(alias.statusCode, alias.body).toBe(200);
});

afterAll(async () => {
  await t?.close();
  await store?.close();
  dir?.cleanup();
});

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: bearer(t.adminKey) });

describe('exports with cost_usd, the key alias and local times', () => {
  it('JSONL: cost_usd as a 6-place decimal, apiKeyAlias beside apiKeyLabel, time in the asked zone', async () => {
    const res = await get(`/v0/management/usage/export?from=0&to=${T0 + 10_000}&tz=Europe/Berlin`);
    expect(res.statusCode, res.body).toBe(200);
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toContain('"cost_usd":0.003600,');
    expect(lines[1]).toContain('"cost_usd":2.469142,');
    expect(lines[2]).toContain('"costMicros":null,"cost_usd":null,');
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ costMicros: 3600, cost_usd: 0.0036, apiKeyLabel: '…m-a', apiKeyAlias: 'Team, "A"', time: '2026-07-01T12:30:00.000+02:00' });
    expect((await get('/v0/management/usage/export?tz=Mars/Olympus')).statusCode).toBe(400);
  });

  it('CSV survives a real CSV parser: commas, quotes and newlines in fields', async () => {
    const res = await get(`/v0/management/usage/export?format=csv&from=0&to=${T0 + 10_000}&tz=Europe/Berlin`);
    expect(res.statusCode).toBe(200);
    // Python's csv module reads the body and answers each row as a JSON array.
    const py = spawnSync('python3', ['-c', 'import csv,sys,json,io\nfor r in csv.reader(io.StringIO(sys.stdin.read(), newline="")): print(json.dumps(r))'], { input: res.body, encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const rows = py.stdout.trim().split('\n').map((l) => JSON.parse(l) as string[]);
    const header = rows[0]!;
    expect(rows).toHaveLength(4);
    const col = (row: string[], name: string) => row[header.indexOf(name)];
    expect(header.indexOf('apiKeyAlias')).toBe(header.indexOf('apiKeyLabel') + 1);
    expect(header.indexOf('cost_usd')).toBe(header.indexOf('costMicros') + 1);
    expect(col(rows[1]!, 'timestamp')).toBe('2026-07-01T12:30:00.000+02:00');
    expect(col(rows[1]!, 'cost_usd')).toBe('0.003600');
    expect(col(rows[1]!, 'costMicros')).toBe('3600');
    expect(col(rows[1]!, 'apiKeyAlias')).toBe('Team, "A"');
    expect(col(rows[1]!, 'userAgent')).toBe('agent "x", v1');
    expect(col(rows[2]!, 'cost_usd')).toBe('2.469142');
    expect(col(rows[2]!, 'failBody')).toBe('upstream said: "no",\nretry later');
    expect(col(rows[3]!, 'cost_usd')).toBe('');
    expect(col(rows[3]!, 'priceMissing')).toBe('true');
  });
});
