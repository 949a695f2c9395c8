import { afterEach, describe, expect, it } from 'vitest';
import { createCollector, type Collector } from '@cpamp/collector';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { MemorySink, record, waitFor } from './helpers';

let fake: FakeCpa | null = null;
let collector: Collector | null = null;
afterEach(async () => {
  await collector?.stop();
  collector = null;
  await fake?.close();
  fake = null;
});

describe.each(['http', 'subscribe', 'resp-pop'] as const)('transport %s against the fake CPA', (mode) => {
  it('collects every record exactly once', async () => {
    fake = await startFakeCpa();
    const sink = new MemorySink();
    collector = createCollector({
      baseUrl: fake.url,
      managementKey: fake.managementKey,
      sink,
      mode,
      pollIntervalMs: 20,
      batchSize: 50,
    });
    // some records queued before the collector starts (subscribe must drain them)
    for (let i = 0; i < 30; i++) fake.enqueueUsage(record(i));
    await collector.start();
    await waitFor(() => collector?.status().state === 'running', 5000, 'running');
    if (mode === 'subscribe') await waitFor(() => fake?.subscriberCount('usage') === 1, 5000, 'subscriber');
    for (let i = 30; i < 300; i++) fake.enqueueUsage(i % 2 ? record(i) : JSON.stringify(record(i)));
    await waitFor(() => sink.rows.length === 300, 10_000, `300 rows (have ${sink.rows.length})`);
    const st = collector.status();
    expect(st.transport).toBe(mode);
    expect(st.counters.received).toBe(300);
    expect(st.counters.inserted).toBe(300);
    expect(st.counters.rejected).toBe(0);
    expect(st.lastConsumedAt).not.toBeNull();
    expect(fake.stats().authFailures).toBe(0);
  });
});

describe('subscribe control payloads', () => {
  it('skips {"support_refresh":true} and emits refresh on {"refresh":true}', async () => {
    fake = await startFakeCpa();
    const sink = new MemorySink();
    collector = createCollector({
      baseUrl: fake.url,
      managementKey: fake.managementKey,
      sink,
      mode: 'subscribe',
    });
    let refreshes = 0;
    collector.on('refresh', () => refreshes++);
    await collector.start();
    await waitFor(() => fake?.subscriberCount('usage') === 1);
    fake.notifyRefresh();
    fake.enqueueUsage(record(1));
    await waitFor(() => sink.rows.length === 1 && refreshes === 1);
    const st = collector.status();
    expect(st.counters.controlMessages).toBe(2);
    expect(st.counters.rejected).toBe(0);
    expect(st.cpaVersion).toBe('7.2.140');
    expect(st.retentionSeconds).toBe(60);
  });
});
