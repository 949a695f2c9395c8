// Auto mode: falls through only for "not supported here", never for transient errors; re-probes upward.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Collector, CollectorCpa } from '@cpamp/collector';
import { createCpaClient } from '@cpamp/sdk-cpa';
import type { FakeCpa } from '@cpamp/testkit';
import { MemorySink, record, useCollectorHarness, waitFor } from './helpers';

const h = useCollectorHarness({ pollIntervalMs: 20 });

/** A client that hides X-CPA-VERSION (like a proxy that strips headers), so auto must really probe. */
function versionlessClient(f: FakeCpa): CollectorCpa {
  const cpa = createCpaClient({ baseUrl: f.url, managementKey: f.managementKey });
  return {
    usageQueue: cpa.usageQueue,
    config: cpa.config,
    getServerVersion: async () => ({ version: null }),
  };
}

/** Waits until `transport` is the running transport. */
function waitForTransport(c: Collector, transport: string): Promise<void> {
  return waitFor(() => c.status().transport === transport && c.status().state === 'running');
}

async function feed(f: FakeCpa, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) f.enqueueUsage(record(i));
}

describe('auto mode', () => {
  it('uses subscribe on a current CPA', async () => {
    const fake = await h.startFake();
    const sink = new MemorySink();
    const collector = h.collector({ sink });
    await collector.start();
    await waitForTransport(collector, 'subscribe');
    await feed(fake, 0, 50);
    await waitFor(() => sink.rows.length === 50);
    expect(fake.stats().authFailures).toBe(0);
  });

  it('falls through subscribe → http on "unknown command" (CPA 7.0.6, version hidden)', async () => {
    const fake = await h.startFake({ version: '7.0.6' });
    const sink = new MemorySink();
    const collector = h.collector({ cpa: versionlessClient(fake), sink });
    await collector.start();
    await waitForTransport(collector, 'http');
    expect(collector.status().transportNote).toMatch(/unknown command/i);
    await feed(fake, 0, 40);
    await waitFor(() => sink.rows.length === 40);
  });

  it('falls through subscribe → http on an HTTP reply to RESP (reverse proxy, prefix H)', async () => {
    const fake = await h.startFake();
    const target = new URL(fake.url);
    const proxy = createServer((req, res) => {
      const up = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    h.onTeardown(async () => {
      await new Promise<void>((r) => proxy.close(() => r()));
      proxy.closeAllConnections();
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const sink = new MemorySink();
    const collector = h.collector({ baseUrl: url, sink });
    await collector.start();
    await waitForTransport(collector, 'http');
    expect(collector.status().transportNote).toMatch(/RESP prefix 'H'/);
    await feed(fake, 0, 40);
    await waitFor(() => sink.rows.length === 40);
    const report = await collector.diagnose({ probeSecondConsumer: false });
    expect(report.findings.find((f) => f.id === 'resp-through-http-proxy')?.ok).toBe(false);
  });

  it('falls through http → resp-pop on 404 (CPA 6.10.0, version hidden)', async () => {
    const fake = await h.startFake({ version: '6.10.0' });
    const sink = new MemorySink();
    const collector = h.collector({ cpa: versionlessClient(fake), sink });
    await collector.start();
    await waitForTransport(collector, 'resp-pop');
    expect(collector.status().transportNote).toMatch(/404/);
    await feed(fake, 0, 40);
    await waitFor(() => sink.rows.length === 40);
  });

  it('does not fall through on a transient error (CPA answers 500)', async () => {
    const fake = await h.startFake({ version: '7.0.6' });
    fake.faults.set({ status: 500, pathPrefix: '/v0/management/usage-queue' });
    const sink = new MemorySink();
    const collector = h.collector({
      cpa: versionlessClient(fake),
      sink,
      backoff: { initialMs: 20, maxMs: 50 },
    });
    await collector.start();
    await waitFor(() => collector.status().counters.reconnects >= 2);
    expect(collector.status().transport).toBe('http');
    expect(collector.status().lastError?.code).toBe('cpa_error');
    fake.faults.clear();
    await feed(fake, 0, 10);
    await waitFor(() => sink.rows.length === 10);
  });

  it('re-probes upward after CPA is upgraded', async () => {
    const fake = await h.startFake({ version: '6.10.8' });
    const sink = new MemorySink();
    const collector = h.collector({ sink, reprobeIntervalMs: 300 });
    await collector.start();
    await waitForTransport(collector, 'http');
    await feed(fake, 0, 20);
    await waitFor(() => sink.rows.length === 20);
    fake.setVersion('7.2.140');
    await waitFor(
      () => collector.status().transport === 'subscribe' && fake.subscriberCount('usage') === 1,
      5000,
      'subscribe after upgrade',
    );
    await feed(fake, 20, 60);
    await waitFor(() => sink.rows.length === 60);
    expect(fake.stats().authFailures).toBe(0);
  });
});
