import { request } from 'node:http';
import { join } from 'node:path';
import { normalizeRecord } from '@cpamp/collector';
import { openStore, type Store } from '@cpamp/store';
import { generateUsage } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, tempDir, waitFor, type TestApp } from './helpers';

const END = Date.UTC(2026, 7, 22, 16);
const URL_IMPORT = '/v0/management/usage/import';

let t: TestApp;
let store: Store;
let dir: { path: string; cleanup(): void };
let jsonl: string;
let uniqueEvents: number;

beforeAll(async () => {
  dir = tempDir('cpamp-import-');
  store = await openStore({ path: join(dir.path, 'usage.sqlite') });
  const raws = [...generateUsage({ seed: 11, events: 300, days: 5, end: END, keys: 4, accounts: 6, models: 3 })];
  jsonl = raws.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const keys = new Set<string>();
  for (const r of raws) {
    const n = normalizeRecord(r);
    if (n.ok) keys.add(n.event.dedupKey);
  }
  uniqueEvents = keys.size;
  expect(uniqueEvents).toBeGreaterThan(250);
  t = await startTestApp({}, { store, collector: false, now: () => END });
});

afterAll(async () => {
  await t?.close();
  await store?.close();
  dir?.cleanup();
});

const post = (payload: string, headers: Record<string, string> = {}, auth = true) =>
  t.app.inject({ method: 'POST', url: URL_IMPORT, payload, headers: { 'content-type': 'application/x-ndjson', ...(auth ? bearer(t.adminKey) : {}), ...headers } });

describe('usage import', () => {
  it('401 without the admin key, and nothing is imported', async () => {
    const res = await post(jsonl, {}, false);
    expect(res.statusCode).toBe(401);
    expect((await store.analytics.totals({ from: 0, to: Number.MAX_SAFE_INTEGER })).requests).toBe(0);
  });

  it('imports generated JSONL; the analytics totals then match; a re-import dedups', async () => {
    const res = await post(jsonl);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ format: 'raw_cpa_jsonl', added: uniqueEvents, failed: 0 });
    expect(body.added + body.skipped).toBe(300);

    const summary = await t.app.inject({ url: '/v0/management/analytics/summary?from=0&to=' + String(END + 1), headers: bearer(t.adminKey) });
    expect(summary.statusCode).toBe(200);
    expect(summary.json().requests).toBe(uniqueEvents);

    const again = await post(jsonl, { 'content-type': 'text/plain' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ added: 0, skipped: 300, total: 300 });
    expect((await store.analytics.totals({ from: 0, to: Number.MAX_SAFE_INTEGER })).requests).toBe(uniqueEvents);

    // The price editor's usage summary sees the imported models (no prices yet: all unpriced).
    const usage = (await t.app.inject({ url: '/v0/management/model-prices/usage-summary', headers: bearer(t.adminKey) })).json();
    expect(usage.total_events).toBe(uniqueEvents);
    expect(usage.models.length).toBeGreaterThan(0);
    expect(usage.models.every((m: { priced: boolean }) => !m.priced)).toBe(true);
  });

  it('a broken line gives 400 naming the line number; the temp file is removed', async () => {
    const lines = jsonl.trimEnd().split('\n').slice(0, 10);
    lines.splice(6, 0, '{"timestamp": "2026-08-22T10:00:00Z", broken');
    const res = await post(lines.join('\n'));
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body).toMatchObject({ code: 'import_parse_error', line: 7 });
    expect(body.error).toContain('Line 7');
    expect(body.error).not.toContain(t.dataDir);
  });

  it('imports a CPA legacy JSON snapshot sent as application/json', async () => {
    const snap = {
      version: 1,
      usage: {
        apis: {
          'POST /v1/chat/completions': {
            models: {
              'gpt-legacy-x': {
                details: [
                  { timestamp: '2026-08-20T10:00:00Z', source: 'a@example.com', auth_index: '1', tokens: { input_tokens: 10, output_tokens: 5, total_tokens: 15 }, failed: false },
                  { timestamp: '2026-08-20T11:00:00Z', source: 'a@example.com', auth_index: '1', tokens: { input_tokens: 20, output_tokens: 5, total_tokens: 25 }, failed: false },
                ],
              },
            },
          },
        },
      },
    };
    const res = await post(JSON.stringify(snap, null, 2), { 'content-type': 'application/json' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ format: 'legacy_snapshot', added: 2 });
  });

  it('413 when Content-Length says the body is over the limit, answered before the body is read', async () => {
    // A real socket, since inject recomputes Content-Length; only one byte of the declared 600 MiB is sent.
    const address = new URL(await t.app.listen({ port: 0, host: '127.0.0.1' }));
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: address.hostname, port: address.port, method: 'POST', path: URL_IMPORT, headers: { ...bearer(t.adminKey), 'content-type': 'application/x-ndjson', 'content-length': String(600 * 1024 ** 2) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: text });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      req.write('x');
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).code).toBe('body_too_large');
  });
});

describe('chunked import sessions', () => {
  const S = '/v0/management/usage/import-sessions';
  const json = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: string, ct = 'application/json') =>
    t.app.inject({ method, url, ...(payload === undefined ? {} : { payload }), headers: { ...bearer(t.adminKey), 'content-type': ct } });

  it('create (idempotent by resume_key), upload chunks by offset, complete, poll until completed', async () => {
    const extra = [...generateUsage({ seed: 12, events: 40, days: 2, end: END, keys: 2, accounts: 2, models: 2 })];
    const text = extra.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const bytes = Buffer.from(text);
    const resumeKey = 'ab'.repeat(16);
    const created = await json('POST', S, JSON.stringify({ filename: '../../etc/usage.jsonl', size_bytes: bytes.length, resume_key: resumeKey }));
    expect(created.statusCode, created.body).toBe(201);
    const session = created.json();
    expect(session).toMatchObject({ filename: 'usage.jsonl', status: 'uploading', received_bytes: 0, size_bytes: bytes.length });
    const again = await json('POST', S, JSON.stringify({ filename: 'usage.jsonl', size_bytes: bytes.length, resume_key: resumeKey }));
    expect(again.json().id).toBe(session.id);
    expect((await json('POST', S, JSON.stringify({ filename: 'other.jsonl', size_bytes: 5, resume_key: resumeKey }))).statusCode).toBe(409);

    const half = Math.floor(bytes.length / 2);
    const put = (offset: number, chunk: Buffer) =>
      t.app.inject({ method: 'PUT', url: `${S}/${session.id}/chunk?offset=${offset}`, payload: chunk, headers: { ...bearer(t.adminKey), 'content-type': 'application/octet-stream' } });
    expect((await put(0, bytes.subarray(0, half))).json()).toMatchObject({ received_bytes: half, status: 'uploading' });
    const wrongOffset = await put(0, bytes.subarray(half));
    expect(wrongOffset.statusCode).toBe(409);
    expect(wrongOffset.json().error).toContain(`resume from ${half}`);
    expect((await json('POST', `${S}/${session.id}/complete`)).statusCode).toBe(409);
    expect((await put(half, bytes.subarray(half))).json()).toMatchObject({ received_bytes: bytes.length, status: 'ready' });

    const done = await json('POST', `${S}/${session.id}/complete`);
    expect([200, 202]).toContain(done.statusCode);
    const state = done.json().status !== 'processing' ? done.json() : await waitFor(async () => {
      const s = (await json('GET', `${S}/${session.id}`)).json();
      return s.status === 'processing' ? null : s;
    }, { what: 'the import session to finish' });
    expect(state.status).toBe('completed');
    expect(state.result).toMatchObject({ failed: 0, total: 40 });
    expect(state.result.added).toBeGreaterThan(30);
    expect((await json('POST', `${S}/${session.id}/complete`)).statusCode).toBe(200);
    expect((await json('DELETE', `${S}/${session.id}`)).json().status).toBe('cancelled');
    expect((await json('GET', `${S}/${session.id}`)).statusCode).toBe(404);
  });

  it('400 for a bad create body, 404 for an unknown session, 401 without the key', async () => {
    for (const body of ['{}', '{"filename":"a","size_bytes":-1}', '{"filename":"a","size_bytes":1,"x":1}', 'not json']) {
      const res = await json('POST', S, body);
      expect(res.statusCode, body).toBe(400);
      expect(res.json().code).toBe('usage_import_session_invalid_request');
    }
    expect((await json('GET', `${S}/${'0'.repeat(32)}`)).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: S, payload: {} })).statusCode).toBe(401);
  });
});
