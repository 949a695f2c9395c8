import { appendFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeRecord } from './normalize';
import { Spool } from './spool';
import type { UsageEvent } from './usage-event';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function ev(i: number): UsageEvent {
  const r = normalizeRecord({ timestamp: 1_787_000_000_000 + i, model: 'm', request_id: String(i) });
  if (!r.ok) throw new Error(r.reason);
  return r.event;
}

describe('Spool', () => {
  it('appends, loads in order, skips a torn last line, and replaces', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpamp-spool-'));
    dirs.push(dir);
    const s = new Spool(dir);
    expect(s.exists()).toBe(false);
    s.append([[ev(1), ev(2)], [ev(3)]]);
    s.append([[ev(4)]]);
    appendFileSync(s.path, '{"v":1,"events":[{"dedupKey":"torn'); // kill -9 mid-write
    const { batches, badLines } = s.load();
    expect(batches.map((b) => b.map((e) => e.requestId))).toEqual([['1', '2'], ['3'], ['4']]);
    expect(badLines).toBe(1);
    s.replace(batches.slice(2));
    expect(s.load().batches.map((b) => b.length)).toEqual([1]);
    s.replace([]);
    expect(s.exists()).toBe(false);
  });
});
