// The "SIGTERM loses nothing" and "kill -9 loses one batch at most" targets (docs/design.md) with the
// collector in a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FakeCpa } from '@cpamp/testkit';
import { record, useCollectorHarness, waitFor } from './helpers';

const child = fileURLToPath(new URL('./fixtures/child-collector.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const h = useCollectorHarness();

function startChild(args: string[]): { proc: ChildProcess; out: () => string } {
  let out = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  h.onTeardown(() => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  });
  return { proc, out: () => out };
}

function rows(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

function feeder(f: FakeCpa, perTick: number): { stop(): void; count(): number } {
  let i = 0;
  const t = setInterval(() => {
    for (let k = 0; k < perTick; k++) f.enqueueUsage(record(i++));
  }, 5);
  return { stop: () => clearInterval(t), count: () => i };
}

const exited = (p: ChildProcess) =>
  new Promise<number | null>((r) =>
    p.exitCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code)),
  );

describe.each(['http', 'subscribe'] as const)('SIGTERM loses nothing: SIGTERM during heavy ingest (%s)', (mode) => {
  it('commits every record taken from CPA exactly once before exit', async () => {
    const fake = await h.startFake();
    const dir = h.tempDir();
    const sinkFile = join(dir, 'sink.txt');
    const c = startChild([fake.url, fake.managementKey, sinkFile, join(dir, 'data'), mode]);
    await waitFor(() => c.out().includes('RUNNING'), 20_000, 'child running');
    if (mode === 'subscribe') await waitFor(() => fake.subscriberCount('usage') === 1, 5000);
    const feed = feeder(fake, 20);
    await waitFor(() => rows(sinkFile).length > 500, 20_000, 'ingest under way');
    c.proc.kill('SIGTERM');
    expect(await exited(c.proc)).toBe(0);
    feed.stop();
    const st = fake.stats();
    const taken = st.popped + st.deliveredToSubscribers;
    const lines = rows(sinkFile);
    expect(new Set(lines.map((l) => l.slice(0, 64))).size).toBe(lines.length); // exactly once
    expect(lines.length).toBe(taken); // nothing taken from CPA was lost
    expect(c.out()).toContain('STOPPED');
  });
});

describe('kill -9 loses one batch at most: kill -9 during ingest, then restart', () => {
  it('loses at most the in-flight batch, resumes, and shows the downtime gap', async () => {
    const fake = await h.startFake({ retentionSeconds: 1 });
    const dir = h.tempDir();
    const sinkFile = join(dir, 'sink.txt');
    const dataDir = join(dir, 'data');
    const c1 = startChild([fake.url, fake.managementKey, sinkFile, dataDir, 'http']);
    await waitFor(() => c1.out().includes('RUNNING'), 20_000, 'child running');
    const feed = feeder(fake, 20);
    await waitFor(() => rows(sinkFile).length > 500, 20_000, 'ingest under way');
    c1.proc.kill('SIGKILL');
    await exited(c1.proc);
    const poppedAtKill = fake.stats().popped;
    const lost = poppedAtKill - rows(sinkFile).length;
    expect(lost).toBeGreaterThanOrEqual(0);
    expect(lost).toBeLessThanOrEqual(50); // one batch
    // Stay down longer than CPA's retention (1 s): wait until CPA has expired a record that was enqueued
    // after the kill (the queue is FIFO, so past everything queued at the kill); the restart must report the gap.
    const expiredBeforeFirstNewRecord = fake.stats().expired + fake.queueLength();
    await waitFor(() => fake.stats().expired > expiredBeforeFirstNewRecord, 20_000, 'records expired while down');
    const before = rows(sinkFile).length;
    const c2 = startChild([fake.url, fake.managementKey, sinkFile, dataDir, 'http']);
    await waitFor(() => c2.out().includes('GAP'), 20_000, 'gap reported');
    const gap = JSON.parse(
      c2
        .out()
        .split('\n')
        .find((l) => l.startsWith('GAP '))
        ?.slice(4) ?? '{}',
    ) as { kind: string; lossLikely: boolean; detail: string };
    expect(gap.kind).toBe('collector-down');
    expect(gap.lossLikely).toBe(true);
    expect(gap.detail).toMatch(/retention 1 s/);
    await waitFor(() => rows(sinkFile).length > before + 200, 20_000, 'resumed');
    feed.stop();
    c2.proc.kill('SIGTERM');
    await exited(c2.proc);
    const lines = rows(sinkFile);
    expect(new Set(lines.map((l) => l.slice(0, 64))).size).toBe(lines.length);
  });
});
