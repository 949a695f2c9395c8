// GET /v0/management/events/stream against a real app, the fake CPA and a real collector. The SSE reader
// below uses undici `request` with an Authorization header, as the panel does with fetch.
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { normalizeRecord, type UsageEvent } from '@cpamp/collector';
import { openStore, type Store } from '@cpamp/store';
import { serializerCompiler, validatorCompiler } from '@fastify/type-provider-zod';
import Fastify, { type FastifyInstance } from 'fastify';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveHub, streamRoutes, STREAM_PATH, type LiveCollectorSource } from '../src/testing';
import { bearer, startTestApp, waitFor, type TestApp } from './helpers';
import { request } from 'undici';

interface SseEvent {
  id: string | null;
  event: string;
  data: string;
  /** Date.now() when the frame arrived. */
  at: number;
}

interface SseClient {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  events: SseEvent[];
  comments: string[];
  ended: boolean;
  usage(): SseEvent[];
  waitFor(pred: (c: SseClient) => boolean, ms?: number): Promise<void>;
  close(): void;
}

async function openSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  const controller = new AbortController();
  const res = await request(url, { headers, signal: controller.signal });
  const client: SseClient = {
    status: res.statusCode,
    headers: res.headers,
    events: [],
    comments: [],
    ended: false,
    usage: () => client.events.filter((e) => e.event === 'usage'),
    async waitFor(pred, ms = 5_000) {
      await waitFor(() => pred(client), { timeoutMs: ms, intervalMs: 10, what: `SSE condition (events so far: ${client.events.length})` });
    },
    close: () => controller.abort(),
  };
  let buf = '';
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk as Buffer, { stream: true });
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: SseEvent = { id: null, event: 'message', data: '', at: Date.now() };
          let hasField = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) client.comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) ev.id = line.slice(4);
            else if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('data: ')) ev.data += line.slice(6);
            else continue;
            hasField = true;
          }
          if (hasField && ev.data !== '') client.events.push(ev);
        }
      }
    } catch {
      // aborted by close()
    }
    client.ended = true;
  })();
  return client;
}

function normalized(records: Iterable<object>): UsageEvent[] {
  const out: UsageEvent[] = [];
  for (const raw of records) {
    const r = normalizeRecord(raw);
    if (r.ok) out.push(r.event);
  }
  return out;
}

const until = (fn: () => Promise<boolean>, timeoutMs = 10_000) => waitFor(fn, { timeoutMs });

describe('live events stream (real app, fake CPA, collector)', () => {
  let fake: FakeCpa;
  let t: TestApp;
  let base: string;
  let seed = 100;
  const clients: SseClient[] = [];

  const open = async (query = '', headers: Record<string, string> = {}) => {
    const c = await openSse(`${base}${STREAM_PATH}${query}`, { ...bearer(t.adminKey), ...headers });
    clients.push(c);
    return c;
  };
  const inserted = async () =>
    (await t.app.inject({ url: '/status', headers: bearer(t.adminKey) })).json().collector
      .totalInserted as number;
  /** Queues generated records in the fake CPA; returns what the collector will make of them. */
  const emit = (events: number, opts: { failureRate?: number } = {}) => {
    const records = [
      ...generateUsage({
        seed: seed++,
        events,
        days: 1,
        models: 3,
        keys: 3,
        accounts: 4,
        failureRate: opts.failureRate ?? 0.2,
      }),
    ];
    for (const r of records) fake.enqueueUsage(r);
    return normalized(records);
  };

  beforeAll(async () => {
    fake = await startFakeCpa();
    t = await startTestApp();
    const res = await t.app.inject({
      method: 'POST',
      url: '/setup',
      headers: bearer(t.adminKey),
      payload: { cpaBaseUrl: fake.url, managementKey: fake.managementKey, pollIntervalMs: 50 },
    });
    expect(res.statusCode, res.body).toBe(200);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    // The collector is up once it drains a first record.
    emit(1);
    await until(async () => (await inserted()) >= 1);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await t?.close();
    await fake?.close();
  });

  it('P11: new usage events arrive as SSE events within 2 s; filters are honoured', async () => {
    const all = await open();
    expect(all.status).toBe(200);
    expect(String(all.headers['content-type'])).toMatch(/^text\/event-stream/);
    await all.waitFor((c) => c.events.some((e) => e.event === 'collector'));
    const probeRaw = [
      ...generateUsage({ seed, events: 40, days: 1, models: 3, keys: 3, accounts: 4, failureRate: 0.2 }),
    ];
    const probe = normalized(probeRaw);
    const model = (probe[0] as UsageEvent).model;
    const byModel = await open(`?model=${encodeURIComponent(model)}&types=usage`);
    const failures = await open('?status=failure');
    const byKeyAndAccount = await open(
      `?key=${(probe[0] as UsageEvent).apiKeyHash}&account=${encodeURIComponent((probe[0] as UsageEvent).authIndex)}`,
    );
    await byKeyAndAccount.waitFor((c) => c.events.length > 0);

    const t0 = Date.now();
    const expected = emit(40);
    expect(expected.map((e) => e.dedupKey)).toEqual(probe.map((e) => e.dedupKey));
    await all.waitFor((c) => c.usage().length >= expected.length, 5_000);
    const usage = all.usage();
    const latencyFirst = (usage[0] as SseEvent).at - t0;
    const latencyLast = (usage.at(-1) as SseEvent).at - t0;
    process.stdout.write(
      `[stream] P11: ${expected.length} events emitted into the fake CPA, first on the SSE stream after ${latencyFirst} ms, last after ${latencyLast} ms\n`,
    );
    expect(latencyLast).toBeLessThan(2_000);

    const rows = usage.map(
      (e) => JSON.parse(e.data) as UsageEvent & { id: number; costMicros: number | null },
    );
    expect(rows.map((r) => `${r.timestampMs}|${r.model}|${r.latencyMs}`).sort()).toEqual(
      expected.map((e) => `${e.timestampMs}|${e.model}|${e.latencyMs}`).sort(),
    );
    expect(rows[0]).toMatchObject({
      id: expect.any(Number),
      provider: expect.any(String),
      apiKeyHash: expect.any(String),
      totalTokens: expect.any(Number),
    });
    expect(JSON.stringify(rows)).not.toContain('dedupKey');
    const ids = usage.map((e) => Number(e.id));
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number))).toBe(true);

    // A last record that passes all three filters: once each filtered stream has it, everything before it
    // has been delivered, so the counts below are final.
    const sentinelRaw = { ...probeRaw[0]!, timestamp: new Date(Date.now()).toISOString(), failed: true, fail: { status_code: 500, body: 'sentinel' } };
    fake.enqueueUsage(sentinelRaw);
    const sentinel = normalized([sentinelRaw])[0] as UsageEvent;
    const gotSentinel = (c: SseClient) => c.usage().some((e) => (JSON.parse(e.data) as UsageEvent).timestampMs === sentinel.timestampMs);
    for (const c of [byModel, failures, byKeyAndAccount]) await c.waitFor(gotSentinel);
    const wantModel = expected.filter((e) => e.model === model).length + 1;
    expect(byModel.usage().length).toBe(wantModel);
    expect(
      byModel.events.every((e) => e.event === 'usage' && (JSON.parse(e.data) as UsageEvent).model === model),
    ).toBe(true);
    const wantFailed = expected.filter((e) => e.failed).length + 1;
    expect(wantFailed).toBeGreaterThan(1);
    expect(failures.usage().length).toBe(wantFailed);
    expect(failures.usage().every((e) => (JSON.parse(e.data) as UsageEvent).failed)).toBe(true);
    const first = probe[0] as UsageEvent;
    const wantKa = expected.filter(
      (e) => e.apiKeyHash === first.apiKeyHash && e.authIndex === first.authIndex,
    ).length + 1;
    expect(byKeyAndAccount.usage().length).toBe(wantKa);
    // Collector status is not filtered by usage filters.
    expect(failures.events.some((e) => e.event === 'collector')).toBe(true);
    expect(JSON.parse(all.events.find((e) => e.event === 'collector')!.data)).toMatchObject({
      state: 'running',
    });
  });

  it('Last-Event-ID replays what was missed while disconnected, without repeats', async () => {
    const a = await open('?types=usage');
    const before = await inserted();
    const first = emit(10, { failureRate: 0 });
    await a.waitFor((c) => c.usage().length >= first.length);
    const seen = a.usage();
    const lastId = (seen[4] as SseEvent).id as string;
    a.close();
    await a.waitFor((c) => c.ended);
    const second = emit(10, { failureRate: 0 });
    await until(async () => (await inserted()) >= before + first.length + second.length);

    const b = await open('?types=usage', { 'last-event-id': lastId });
    await b.waitFor((c) => c.usage().length >= 15);
    // One live record after the replay: once it arrives, a repeated replay would have arrived before it.
    const [liveRecord] = emit(1, { failureRate: 0 });
    const isLive = (e: SseEvent) => (JSON.parse(e.data) as UsageEvent).timestampMs === (liveRecord as UsageEvent).timestampMs;
    await b.waitFor((c) => c.usage().some(isLive));
    const replayed = b.usage().filter((e) => !isLive(e));
    expect(b.usage().length).toBe(16);
    expect(replayed.length).toBe(15);
    expect(replayed.every((e) => Number(e.id) > Number(lastId))).toBe(true);
    const dbIds = replayed.map((e) => (JSON.parse(e.data) as { id: number }).id);
    expect(new Set(dbIds).size).toBe(15);
    expect(dbIds.slice(0, 5)).toEqual(seen.slice(5).map((e) => (JSON.parse(e.data) as { id: number }).id));
    expect(b.events.some((e) => e.event === 'truncated')).toBe(false);

    // The same via ?lastEventId= for clients that cannot set the header.
    const c = await open(`?types=usage&lastEventId=${lastId}`);
    await c.waitFor((x) => x.usage().length >= 15);
  });

  it('a Last-Event-ID older than the ring (or from an earlier process) is reported as truncated', async () => {
    const c = await open('', { 'last-event-id': '1' });
    await c.waitFor((x) => x.events.some((e) => e.event === 'truncated'));
  });

  it('refuses a request without the admin key (401) and checks the filters (400)', async () => {
    const none = await t.app.inject({ url: STREAM_PATH });
    expect(none.statusCode).toBe(401);
    const wrong = await t.app.inject({
      url: STREAM_PATH,
      headers: bearer('cpamp_wrongwrongwrongwrongwrongwrongwron'),
    });
    expect(wrong.statusCode).toBe(401);
    const bad = await t.app.inject({ url: `${STREAM_PATH}?status=maybe`, headers: bearer(t.adminKey) });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('status');
  });
});

describe('live events stream: lifecycle', () => {
  it('app.close() ends open streams promptly', async () => {
    const t = await startTestApp();
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const c = await openSse(`${base}${STREAM_PATH}`, bearer(t.adminKey));
    expect(c.status).toBe(200);
    await c.waitFor((x) => x.events.some((e) => e.event === 'collector'));
    const started = Date.now();
    await t.close();
    await c.waitFor((x) => x.ended, 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  describe('heartbeat and slow clients (route on a bare fastify)', () => {
    let app: FastifyInstance;
    let store: Store;
    let base: string;
    const live = createLiveHub();
    // Stands in for CollectorHost.on('committed'): the hub gets the batch from the collector's event and
    // the row ids from the store's own onInserted hook.
    const committedListeners = new Set<(events: readonly UsageEvent[]) => void>();
    const source: LiveCollectorSource = {
      status: () => null,
      on: ((event: string, listener: (events: readonly UsageEvent[]) => void) => {
        if (event !== 'committed') return () => undefined;
        committedListeners.add(listener);
        return () => committedListeners.delete(listener);
      }) as LiveCollectorSource['on'],
    };
    const commit = async (batch: readonly UsageEvent[]): Promise<void> => {
      await store.insertBatch(batch);
      for (const l of committedListeners) l(batch);
    };
    beforeAll(async () => {
      store = await openStore({ path: ':memory:' });
      live.attach({ store, collector: source });
      app = Fastify();
      app.setValidatorCompiler(validatorCompiler);
      app.setSerializerCompiler(serializerCompiler);
      await app.register(streamRoutes, {
        live,
        heartbeatMs: 50,
        maxBufferedBytes: 64 * 1024,
        slowClientMs: 200,
      });
      base = await app.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => {
      await app.close();
      await store.close();
    });

    it('sends a heartbeat comment on the interval', async () => {
      const c = await openSse(`${base}${STREAM_PATH}`, {});
      await c.waitFor((x) => x.comments.includes('ping'), 2_000);
      c.close();
    });

    it('drops a client that stops reading instead of buffering without bound', async () => {
      const socket = connect({ host: '127.0.0.1', port: Number(new URL(base).port) });
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write(`GET ${STREAM_PATH}?types=usage HTTP/1.1\r\nHost: x\r\n\r\n`);
      socket.pause();
      await until(async () => live.subscribers() === 1, 2_000);
      const events = normalized(generateUsage({ seed: 9, events: 30_000, days: 1, failureRate: 0.5 }));
      // One burst far above maxBufferedBytes is fine (a replay or a big batch)...
      await commit(events.slice(0, 1000));
      expect(live.subscribers()).toBe(1);
      // ...a client that stays behind for longer than slowClientMs is not.
      let sent = 1000;
      // Keep committing (500 per poll) until the hub drops the client.
      await waitFor(async () => {
        if (live.subscribers() === 0 || sent >= events.length) return true;
        await commit(events.slice(sent, sent + 500));
        sent += 500;
        return false;
      }, { intervalMs: 50, what: 'the slow client to be dropped' });
      expect(live.subscribers()).toBe(0);
      process.stdout.write(`[stream] slow client dropped after ${sent} events\n`);
      // Reading again, the client finds the final `dropped` event at the end of the response.
      let tail = '';
      socket.on('data', (d: Buffer) => {
        tail = (tail + d.toString('latin1')).slice(-4096);
      });
      socket.resume();
      await waitFor(() => tail.includes('\r\n0\r\n\r\n'), { what: 'the end of the response' }).catch(() => undefined);
      expect(tail).toContain('event: dropped');
      socket.destroy();
    });
  });
});
