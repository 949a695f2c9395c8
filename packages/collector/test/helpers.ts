// Test helpers: an in-memory sink with dedup (like the store), a record factory, waiting utilities, and
// the per-test harness (fake CPA, collectors with test options, temp dirs, torn down after each test).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createCollector } from '@cpamp/collector';
import type {
  Collector,
  CollectorLogger,
  CollectorOptions,
  CollectorState,
  InsertResult,
  UsageEvent,
  UsageSink,
} from '@cpamp/collector';
import { startFakeCpa, type FakeCpa, type FakeCpaOptions } from '@cpamp/testkit';

export class MemorySink implements UsageSink {
  readonly keys = new Set<string>();
  readonly rows: UsageEvent[] = [];
  fail: Error | null = null;
  calls = 0;
  insertBatch(events: readonly UsageEvent[]): InsertResult {
    this.calls++;
    if (this.fail) throw this.fail;
    let inserted = 0;
    for (const e of events) {
      if (this.keys.has(e.dedupKey)) continue;
      this.keys.add(e.dedupKey);
      this.rows.push(e);
      inserted++;
    }
    return { inserted, duplicates: events.length - inserted };
  }
}

let seq = 0;
/** A v7.2.140-shaped record; `i` makes it unique (timestamp + request id). */
export function record(i: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const ts = new Date(Date.UTC(2026, 7, 22, 10, 0, 0) + i * 7).toISOString();
  return {
    timestamp: ts,
    latency_ms: 100 + (i % 50),
    ttft_ms: 10,
    source: 'alice@example.com',
    auth_index: '3f9a1c0e7b2d4a51',
    tokens: {
      input_tokens: 100 + i,
      output_tokens: 10,
      reasoning_tokens: 0,
      cached_tokens: 0,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
      total_tokens: 110 + i,
    },
    failed: false,
    fail: { status_code: 200, body: '' },
    provider: 'codex',
    executor_type: 'CodexExecutor',
    model: 'gpt-5',
    alias: 'gpt-5',
    endpoint: 'POST /v1/responses',
    auth_type: 'oauth',
    api_key: 'sk-team-a-123',
    request_id: (0x10000000 + i).toString(16),
    ...over,
  };
}

export function uniqueSeq(): number {
  return ++seq;
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cpamp-collector-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function memoryLogger(): CollectorLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (lvl: string) => (msg: string, meta?: Record<string, unknown>) =>
    lines.push(`${lvl} ${msg} ${meta ? JSON.stringify(meta) : ''}`);
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

/** Waits until the collector reports `state`. */
export function waitForState(c: Collector, state: CollectorState, timeoutMs = 10_000): Promise<void> {
  return waitFor(() => c.status().state === state, timeoutMs, `state ${state}`);
}

export interface CollectorHarness {
  /** Starts this test's fake CPA (closed after the test). */
  startFake(opts?: FakeCpaOptions): Promise<FakeCpa>;
  /**
   * createCollector against this test's fake CPA (its URL and key, a fresh MemorySink) with the file's
   * default options, then `over`; every collector is stopped after the test.
   */
  collector(over?: Partial<CollectorOptions>): Collector;
  /** A temp directory removed after the test. */
  tempDir(): string;
  /** Runs after the collectors have stopped and before the fake CPA closes (servers, sockets a test opened). */
  onTeardown(fn: () => void | Promise<void>): void;
}

/** Call at the top of a test file: registers the teardown in afterEach. */
export function useCollectorHarness(defaults: Partial<CollectorOptions> = {}): CollectorHarness {
  let fake: FakeCpa | null = null;
  const collectors: Collector[] = [];
  const cleanups: (() => void | Promise<void>)[] = [];
  const dirs: { cleanup(): void }[] = [];
  afterEach(async () => {
    for (const c of collectors.splice(0)) await c.stop();
    for (const fn of cleanups.splice(0)) await fn();
    await fake?.close();
    fake = null;
    for (const d of dirs.splice(0)) d.cleanup();
  });
  return {
    async startFake(opts) {
      fake = await startFakeCpa(opts);
      return fake;
    },
    collector(over = {}) {
      const c = createCollector({
        ...(fake ? { baseUrl: fake.url, managementKey: fake.managementKey } : {}),
        sink: new MemorySink(),
        ...defaults,
        ...over,
      });
      collectors.push(c);
      return c;
    },
    tempDir() {
      const d = tempDir();
      dirs.push(d);
      return d.dir;
    },
    onTeardown(fn) {
      cleanups.push(fn);
    },
  };
}
