// Every import format users hold is recognised by its content, never by its line count: CPA's legacy export
// written as one line of compact JSON (as CPA's gin c.JSON writes it) or pretty-printed, the /usage payload,
// a bare snapshot, Plus / CPA-Manager JSONL, a JSON array of events, and a large export streamed with bounded memory.
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { streamJsonValues, topLevelShape } from '../src/io/json-stream';
import { testNormalize } from './helpers/test-normalizer';
import { tempStores } from './helpers/temp-stores';

const temp = tempStores();
const open = () => temp.memory();
const tmp = () => temp.dir('cpamp-formats-');
const recorded = (p: string) => fileURLToPath(new URL(`../../../test/fixtures/${p}`, import.meta.url));

function detail(i: number): Record<string, unknown> {
  return {
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    latency_ms: 100 + (i % 50),
    source: 'sk-…abcd',
    auth_index: `a${i % 3}`,
    tokens: {
      input_tokens: 10 + (i % 7),
      output_tokens: 5,
      reasoning_tokens: 0,
      cached_tokens: 0,
      total_tokens: 15 + (i % 7),
    },
    failed: i % 11 === 0,
  };
}

function snapshot(n: number): Record<string, unknown> {
  const apis: Record<string, unknown> = {};
  for (let i = 0; i < n; i += 1) {
    const api = `key-${i % 2}`;
    const model = i % 3 === 0 ? 'gpt-5' : 'claude-sonnet-4-5';
    const a = (apis[api] ??= { total_requests: 0, models: {} }) as {
      models: Record<string, { details: unknown[] }>;
    };
    (a.models[model] ??= { details: [] }).details.push(detail(i));
  }
  return { total_requests: n, success_count: n, failure_count: 0, total_tokens: 0, apis };
}

describe('import formats, detected by content', () => {
  it('a compact one-line legacy export (as CPA writes it) and a pretty one import the same events', async () => {
    const dir = tmp();
    const doc = { version: 1, exported_at: '2026-01-02T00:00:00Z', usage: snapshot(120) };
    const compact = join(dir, 'export-compact.json');
    writeFileSync(compact, JSON.stringify(doc));
    expect(readFileSync(compact, 'utf8').split('\n')).toHaveLength(1);
    const pretty = join(dir, 'export-pretty.json');
    writeFileSync(pretty, JSON.stringify(doc, null, 2));
    const s = await open();
    const first = await s.io.importFile(compact, { normalize: testNormalize });
    expect(first).toMatchObject({ format: 'legacy_snapshot', inserted: 120, rejected: 0 });
    const second = await s.io.importFile(pretty, { normalize: testNormalize });
    expect(second).toMatchObject({ format: 'legacy_snapshot', inserted: 0, duplicates: 120 });
  });

  it("CPA's /usage payload, a bare snapshot and a Management Center save are snapshots too", async () => {
    const dir = tmp();
    const payload = join(dir, 'usage.json');
    writeFileSync(payload, JSON.stringify({ failed_requests: 0, usage: snapshot(9) }));
    const bare = join(dir, 'bare.json');
    writeFileSync(bare, JSON.stringify(snapshot(9)));
    const saved = join(dir, 'usage-export-saved.json');
    writeFileSync(
      saved,
      `\uFEFF${JSON.stringify({ version: 1, exported_at: 'x', usage: snapshot(9) }, null, 4)}\n`,
    );
    for (const f of [payload, bare, saved]) {
      const s = await open();
      expect(await s.io.importFile(f, { normalize: testNormalize })).toMatchObject({
        format: 'legacy_snapshot',
        inserted: 9,
      });
    }
  });

  it('a one-line file holding one raw record is JSONL, and a JSON array of Plus events imports', async () => {
    const dir = tmp();
    const one = join(dir, 'one.jsonl');
    writeFileSync(one, `${JSON.stringify({ ...detail(1), model: 'gpt-5' })}\n`);
    const s = await open();
    expect(await s.io.importFile(one, { normalize: testNormalize })).toMatchObject({
      format: 'raw_cpa_jsonl',
      inserted: 1,
    });
    const arr = join(dir, 'events.json');
    const plusRow = (i: number) => ({
      event_hash: `h${i}`,
      timestamp_ms: Date.UTC(2026, 1, 1) + i,
      model: 'gpt-5',
      input_tokens: 3,
      output_tokens: 4,
      total_tokens: 7,
    });
    writeFileSync(arr, JSON.stringify([plusRow(1), plusRow(2), plusRow(3)], null, 1));
    expect(await s.io.importFile(arr, { normalize: testNormalize })).toMatchObject({
      format: 'plus_json_array',
      inserted: 3,
    });
  });

  it('a truncated export names the problem and keeps whole chunks only', async () => {
    const dir = tmp();
    const f = join(dir, 'cut.json');
    writeFileSync(f, JSON.stringify({ version: 1, usage: snapshot(50) }).slice(0, 3000));
    const s = await open();
    await expect(s.io.importFile(f, { normalize: testNormalize })).rejects.toThrow(
      /ends before its JSON document does/,
    );
  });

  it('the streaming reader finds values at any depth across chunk borders, strings with braces and escapes included', async () => {
    const doc = {
      a: {
        'k"ey': [1, { x: '}]{[' }, 'y\\"z'],
        apis: { e: { models: { m: { details: [{ t: 'a,b' }, { t: 2 }] } } } },
      },
    };
    const text = JSON.stringify(doc);
    const chunks = text.match(/.{1,3}/gs)!;
    const seen: unknown[] = [];
    for await (const v of streamJsonValues(chunks, { where: 't', want: (p) => p[p.length - 1] === '[]' }))
      seen.push(v.value);
    expect(seen).toEqual([1, { x: '}]{[' }, 'y\\"z', { t: 'a,b' }, { t: 2 }]);
    expect(topLevelShape('{"version":1,"usage":{"apis":{').objectKeys).toEqual(['usage']);
    expect(topLevelShape('{"a":1}\n{"a":2}').multipleValues).toBe(true);
  });

  it('the compact legacy export recorded from the real CPA v6.9.49 imports', async () => {
    const f = recorded('cpa-v6.9.49/usage-export.json');
    expect(readFileSync(f, 'utf8').trimEnd().split('\n')).toHaveLength(1);
    const s = await open();
    const r = await s.io.importFile(f, { normalize: testNormalize });
    expect(r).toMatchObject({ format: 'legacy_snapshot', inserted: 12, rejected: 0 });
    const plus = recorded('plus-v1.12.2/usage-export.jsonl');
    expect(await s.io.importFile(plus, { normalize: testNormalize })).toMatchObject({
      format: 'plus_jsonl',
      inserted: 300,
    });
  });

  it('a large compact legacy export is streamed: the heap grows far less than the file', async () => {
    const dir = tmp();
    const f = join(dir, 'big.json');
    const n = 40_000;
    // Written as CPA does: one line, compact; built piece by piece so the test itself stays small.
    const out = createWriteStream(f);
    const write = (s: string) =>
      new Promise<void>((resolve) => (out.write(s) ? resolve() : out.once('drain', resolve)));
    await write(
      '{"version":1,"exported_at":"2026-01-01T00:00:00Z","usage":{"total_requests":0,"apis":{"key-0":{"models":{"gpt-5":{"details":[',
    );
    for (let i = 0; i < n; i += 1) await write(`${i ? ',' : ''}${JSON.stringify(detail(i))}`);
    await write(']}}}}}}');
    await new Promise<void>((resolve) => out.end(resolve));
    const size = readFileSync(f).length;
    expect(size).toBeGreaterThan(7_000_000);
    // The live heap (a full GC before each reading), not garbage the collector has not got to yet.
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    let calls = 0;
    const s = await open();
    const r = await s.io.importFile(f, {
      normalize: testNormalize,
      onProgress: () => {
        calls += 1;
        if (calls % 5 !== 0) return;
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      },
    });
    expect(calls).toBeGreaterThan(20);
    expect(r.inserted).toBe(n);
    // Parsing the whole document would hold the text and every detail object (several times the file).
    expect(peak - base).toBeLessThan(size / 2);
  });
});
