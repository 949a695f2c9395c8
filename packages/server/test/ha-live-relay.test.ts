// Two stores on one Postgres stand for two instances: a batch one inserts reaches the other's live hub
// through LISTEN / NOTIFY, and never the inserting instance's hub twice.
import { openPgStore, type PgStore } from '@cpamp/store';
import { pgTestsDisabled, startTestPostgres, type TestPostgres } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachLiveRelay } from '../src/ha/live-relay';
import { createLiveHub, type LiveEntry } from '../src/testing';
import { waitFor } from './helpers';

const suite = pgTestsDisabled() ? describe.skip : describe;
const DATA_KEY = 'b'.repeat(64);

suite('live relay between instances (Postgres)', () => {
  let server: TestPostgres;
  let a: PgStore;
  let b: PgStore;
  beforeAll(async () => {
    server = await startTestPostgres();
    const schema = `relay_${process.pid}`;
    a = await openPgStore({ connectionString: server.url, dataKey: DATA_KEY, schema, poolSize: 3, instanceId: 'a' });
    b = await openPgStore({ connectionString: server.url, dataKey: DATA_KEY, schema, poolSize: 3, instanceId: 'b' });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await server?.stop();
  });

  it("shows the other instance's rows on this instance's stream, its own once", async () => {
    const hubA = createLiveHub();
    const hubB = createLiveHub();
    const seenA: LiveEntry[] = [];
    const seenB: LiveEntry[] = [];
    hubA.subscribe((e) => seenA.push(e));
    hubB.subscribe((e) => seenB.push(e));
    const logger = { warn: () => undefined };
    const relayA = attachLiveRelay({ notifications: a.notifications, live: hubA, logger });
    const relayB = attachLiveRelay({ notifications: b.notifications, live: hubB, logger });
    try {
      await Promise.all([relayA.ready, relayB.ready]);
      const ts = Date.UTC(2026, 11, 1, 12);
      const row = (i: number) => ({
        dedupKey: `relay-${i}`.padEnd(64, '0'),
        requestId: `req-${i}`,
        timestampMs: ts + i,
        provider: 'codex',
        executorType: 'CodexExecutor',
        model: 'gpt-5',
        alias: 'gpt-5',
        endpoint: 'POST /v1/responses',
        authType: 'oauth',
        authIndex: 'acc-1',
        source: 'a@example.com',
        apiKeyHash: 'f'.repeat(64),
        apiKeyLabel: '…key',
        clientIp: '10.0.0.1',
        userAgent: 'ua',
        failed: false,
        statusCode: 200,
        failBody: '',
        latencyMs: 100,
        ttftMs: 10,
        reasoningEffort: '',
        serviceTier: '',
        responseServiceTier: '',
        generate: false,
        inputTokens: 10,
        cacheReadTokens: 0,
        cacheCreationTokens: 0,
        outputTokens: 5,
        reasoningTokens: 0,
        unclassifiedTokens: 0,
        totalTokens: 15,
        tokenQuality: 'complete' as const,
      });
      await a.insertBatch([row(1), row(2), row(3)]);
      await b.insertBatch([row(4)]);
      await waitFor(() => seenB.length >= 3 && seenA.length >= 1, { timeoutMs: 10_000 });
      const usage = (list: LiveEntry[]) => list.filter((e) => e.kind === 'usage').map((e) => JSON.parse(e.data) as { requestId: string; totalTokens: number; id: number });
      expect(usage(seenB).map((u) => u.requestId)).toEqual(['req-1', 'req-2', 'req-3']);
      expect(usage(seenB)[0]).toMatchObject({ totalTokens: 15, model: 'gpt-5' });
      expect(usage(seenA).map((u) => u.requestId)).toEqual(['req-4']);
      // The filter fields travel with the relayed rows.
      expect(seenB[0]!.match).toMatchObject({ model: 'gpt-5', authIndex: 'acc-1', statusCode: 200 });
    } finally {
      await relayA.close();
      await relayB.close();
      hubA.close();
      hubB.close();
    }
  }, 30_000);
});
