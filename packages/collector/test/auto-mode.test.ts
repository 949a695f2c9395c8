// Auto mode: falls through only for "not supported here", never for transient errors; re-probes upward.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCollector, type Collector, type CollectorCpa } from '@cpamp/collector';
import { createCpaClient } from '@cpamp/sdk-cpa';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { MemorySink, record, waitFor } from './helpers';

let fake: FakeCpa | null = null;
let collector: Collector | null = null;
let proxy: Server | null = null;
afterEach(async () => {
  await collector?.stop();
  collector = null;
  await fake?.close();
  fake = null;
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  proxy?.closeAllConnections();
  proxy = null;
});

/** A client that hides X-CPA-VERSION (like a proxy that strips headers), so auto must really probe. */
function versionlessClient(f: FakeCpa): CollectorCpa {
  const cpa = createCpaClient({ baseUrl: f.url, managementKey: f.managementKey });
  return {
    usageQueue: cpa.usageQueue,
    config: cpa.config,
    getServerVersion: async () => ({ version: null }),
  };
}

async function feed(f: FakeCpa, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) f.enqueueUsage(record(i));
}

describe('auto mode', () => {
  it('uses subscribe on a current CPA', async () => {
    fake = await startFakeCpa();
    const sink = new MemorySink();
    collector = createCollector({
      baseUrl: fake.url,
      managementKey: fake.managementKey,
      sink,
      pollIntervalMs: 20,
    });
    await collector.start();
    await waitFor(
      () => collector?.status().transport === 'subscribe' && collector.status().state === 'running',
    );
    await feed(fake, 0, 50);
    await waitFor(() => sink.rows.length === 50);
    expect(fake.stats().authFailures).toBe(0);
  });

  it('falls through subscribe → http on "unknown command" (CPA 7.0.6, version hidden)', async () => {
    fake = await startFakeCpa({ version: '7.0.6' });
    const sink = new MemorySink();
    collector = createCollector({
      cpa: versionlessClient(fake),
      baseUrl: fake.url,
      managementKey: fake.managementKey,
      sink,
      pollIntervalMs: 20,
    });
    await collector.start();
    await waitFor(() => collector?.status().transport === 'http' && collector.status().state === 'running');
    expect(collector.status().transportNote).toMatch(/unknown command/i);
    await feed(fake, 0, 40);
    await waitFor(() => sink.rows.length === 40);
  });

  it('falls through subscribe → http on an HTTP reply to RESP (reverse proxy, prefix H)', async () => {
    fake = await startFakeCpa();
    const target = new URL(fake.url);
    proxy = createServer((req, res) => {
      const up = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy?.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const sink = new MemorySink();
    collector = createCollector({
      baseUrl: url,
      managementKey: fake.managementKey,
      sink,
      pollIntervalMs: 20,
    });
    await collector.start();
    await waitFor(() => collector?.status().transport === 'http' && collector.status().state === 'running');
    expect(collector.status().transportNote).toMatch(/RESP prefix 'H'/);
    await feed(fake, 0, 40);
    await waitFor(() => sink.rows.length === 40);
    const report = await collector.diagnose({ probeSecondConsumer: false });
    expect(report.findings.find((f) => f.id === 'resp-through-http-proxy')?.ok).toBe(false);
  });

  it('falls through http → resp-pop on 404 (CPA 6.10.0, version hidden)', async () => {
    fake = await startFakeCpa({ version: '6.10.0' });
    const sink = new MemorySink();
    collector = createCollector({
      cpa: versionlessClient(fake),
      baseUrl: fake.url,
      managementKey: fake.managementKey,
      sink,
      pollIntervalMs: 20,
    });
    await collector.start();
    await waitFor(
      () => collector?.status().transport === 'resp-pop' && collector.status().state === 'running',
    );
    expect(collector.status().transportNote).toMatch(/404/);
    await feed(fake, 0, 40);
    await waitFor(() => sink.rows.length === 40);
  });

  it('does not fall through on a transient error (CPA answers 500)', async () => {
    fake = await startFakeCpa({ version: '7.0.6' });
    fake.faults.set({ status: 500, pathPrefix: '/v0/management/usage-queue' });
    const sink = new MemorySink();
    collector = createCollector({
      cpa: versionlessClient(fake),
      baseUrl: fake.url,
      managementKey: fake.managementKey,
      sink,
      pollIntervalMs: 20,
      backoff: { initialMs: 20, maxMs: 50 },
    });
    await collector.start();
    await waitFor(() => (collector?.status().counters.reconnects ?? 0) >= 2);
    expect(collector.status().transport).toBe('http');
    expect(collector.status().lastError?.code).toBe('cpa-error');
    fake.faults.clear();
    await feed(fake, 0, 10);
    await waitFor(() => sink.rows.length === 10);
  });

  it('re-probes upward after CPA is upgraded', async () => {
    fake = await startFakeCpa({ version: '6.10.8' });
    const sink = new MemorySink();
    collector = createCollector({
      baseUrl: fake.url,
      managementKey: fake.managementKey,
      sink,
      pollIntervalMs: 20,
      reprobeIntervalMs: 300,
    });
    await collector.start();
    await waitFor(() => collector?.status().transport === 'http' && collector.status().state === 'running');
    await feed(fake, 0, 20);
    await waitFor(() => sink.rows.length === 20);
    fake.setVersion('7.2.140');
    await waitFor(
      () => collector?.status().transport === 'subscribe' && fake?.subscriberCount('usage') === 1,
      5000,
      'subscribe after upgrade',
    );
    await feed(fake, 20, 60);
    await waitFor(() => sink.rows.length === 60);
    expect(fake.stats().authFailures).toBe(0);
  });
});
