import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Backoff } from './backoff';
import { Committer } from './committer';
import { normalizeRecord } from './normalize';
import { Spool } from './spool';
import type { InsertResult, UsageEvent } from './usage-event';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cpamp-spool-'));
  dirs.push(d);
  return d;
}

function ev(i: number): UsageEvent {
  const r = normalizeRecord({
    timestamp: 1_787_000_000_000 + i,
    model: 'm',
    request_id: String(i),
    user_agent: 'x'.repeat(200), // realistic event size
  });
  if (!r.ok) throw new Error(r.reason);
  return r.event;
}
const ids = (s: Spool) => [...s.pending()].map((e) => e.batch?.map((x) => x.requestId) ?? null);

describe('Spool', () => {
  it('appends, streams in order, skips a torn last line, and advances a cursor', () => {
    const s = new Spool(dir(), undefined, { chunkBytes: 64 });
    expect(s.exists()).toBe(false);
    s.append([[ev(1), ev(2)], [ev(3)]]);
    s.append([[ev(4)]]);
    appendFileSync(s.path, '{"v":1,"events":[{"dedupKey":"torn'); // kill -9 mid-write
    expect(ids(s)).toEqual([['1', '2'], ['3'], ['4'], null]);
    expect(s.count()).toEqual({ events: 4, batches: 3, badLines: 1 });
    // a batch appended after the torn line starts on its own line and stays readable
    s.append([[ev(5)]]);
    expect(ids(s)).toEqual([['1', '2'], ['3'], ['4'], null, ['5']]);
    const entries = [...s.pending()];
    s.commit(entries[1]?.end ?? 0);
    expect(ids(s)).toEqual([['4'], null, ['5']]);
    s.clear();
    expect(s.exists()).toBe(false);
    expect(ids(s)).toEqual([]);
  });

  it('ignores a stale cursor when the spool file was replaced', () => {
    const d = dir();
    const s = new Spool(d);
    s.append([[ev(1)], [ev(2)]]);
    s.commit(statSync(s.path).size); // everything committed, but the file was then removed by hand
    rmSync(s.path);
    s.append([[ev(3)], [ev(4)], [ev(5)]]);
    expect(ids(s)).toEqual([['3'], ['4'], ['5']]);
    writeFileSync(s.cursorPath, String(10 ** 9)); // beyond the end: replay from the start
    expect(ids(s)).toEqual([['3'], ['4'], ['5']]);
  });
});

class FlakySink {
  readonly keys = new Set<string>();
  readonly order: string[] = [];
  failAfterBatches = Infinity;
  batches = 0;
  insertBatch(events: readonly UsageEvent[]): InsertResult {
    if (this.batches >= this.failAfterBatches) throw new Error('sink down (crash mid-replay)');
    this.batches++;
    let inserted = 0;
    for (const e of events) {
      this.order.push(e.requestId);
      if (this.keys.has(e.dedupKey)) continue;
      this.keys.add(e.dedupKey);
      inserted++;
    }
    return { inserted, duplicates: events.length - inserted };
  }
}

function committer(sink: FlakySink, spool: Spool): Committer {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  return new Committer({
    sink,
    spool,
    maxHeldEvents: 10,
    logger: silent,
    backoff: new Backoff({ initialMs: 60_000 }),
    onCommitted() {},
    onSinkState() {},
  });
}

describe('spool replay (streaming)', () => {
  it('replays a spool far larger than its read buffer in order, resuming after a mid-replay failure', async () => {
    const d = dir();
    const BATCHES = 400;
    const PER = 25; // 10,000 events, several MB on disk
    const writer = new Spool(d);
    for (let b = 0; b < BATCHES; b += 50) {
      const group: UsageEvent[][] = [];
      for (let i = b; i < b + 50; i++) group.push(Array.from({ length: PER }, (_, k) => ev(i * PER + k)));
      writer.append(group);
    }
    const size = statSync(writer.path).size;
    expect(size).toBeGreaterThan(3_000_000);

    // first run: the sink dies after 150 batches (like a crash mid-replay)
    const sink = new FlakySink();
    sink.failAfterBatches = 150;
    const spool1 = new Spool(d, undefined, { chunkBytes: 16 * 1024 });
    const c1 = committer(sink, spool1);
    expect(c1.pendingEvents).toBe(BATCHES * PER);
    expect(await c1.replay()).toBe(false);
    await c1.close();
    expect(spool1.peakReadBytes).toBeLessThan(size / 20); // streamed, never the whole file
    expect(sink.keys.size).toBe(150 * PER);

    // restart with a healthy sink: the rest follows, nothing is lost, nothing is re-sent
    sink.failAfterBatches = Infinity;
    const spool2 = new Spool(d, undefined, { chunkBytes: 16 * 1024 });
    const c2 = committer(sink, spool2);
    expect(c2.pendingEvents).toBe((BATCHES - 150) * PER);
    expect(await c2.replay()).toBe(true);
    await c2.close();
    expect(sink.keys.size).toBe(BATCHES * PER);
    expect(sink.order).toEqual(Array.from({ length: BATCHES * PER }, (_, i) => String(i)));
    expect(spool2.exists()).toBe(false);
    expect(spool2.peakReadBytes).toBeLessThan(size / 20);
  });

  it('a crash between the sink commit and the cursor write re-sends one batch, loses none', async () => {
    const d = dir();
    const s = new Spool(d);
    s.append([[ev(1), ev(2)], [ev(3)], [ev(4)]]);
    const first = [...s.pending()][0];
    const sink = new FlakySink();
    sink.insertBatch(first?.batch ?? []); // committed, then "kill -9" before commit(end)
    const c = committer(sink, new Spool(d));
    expect(await c.replay()).toBe(true);
    expect(sink.keys.size).toBe(4);
    expect(c.counters.duplicates).toBe(2);
  });
});
