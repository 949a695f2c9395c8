// The fast path must be invisible: for generated CPA records and for mutated variants of them, normalising
// with and without it gives identical UsageEvents (or both reject with the same reason).
import { generateUsage } from '@cpamp/testkit';
import { describe, expect, it } from 'vitest';
import { normalizeRecord, normalizeRecordViaSchema } from './normalize';
import { fastParseRecord } from './record-fast-path';
import { tokenBreakdownSchema, tokensSchema, usageRecordSchema } from './record.schema';

/** Tiny deterministic PRNG (mulberry32) so a failure is reproducible from the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES: unknown[] = [
  null,
  undefined,
  0,
  1,
  -1,
  -0,
  1.5,
  2.5,
  200,
  404,
  1e15,
  1e16,
  1234567890123,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  '0',
  '1',
  '12',
  ' 42 ',
  '3.7',
  '-3',
  'abc',
  'true',
  'false',
  'TRUE',
  'x'.repeat(81),
  '2026-08-22T10:00:00Z',
  '2026-08-22T10:00:00.123456789+08:00',
  true,
  false,
  {},
  [],
  [1, 2],
  { a: 1 },
  { status_code: 500, body: 'boom' },
  { status_code: '500' },
  { input_tokens: 5, total_tokens: 5 },
  { input_tokens: 1.5 },
  { input: null },
  { input: { total_tokens: 3 } },
  { output: { reasoning_tokens: -1 } },
];

const TOP_KEYS = Object.keys(usageRecordSchema.shape);
const TOKEN_KEYS = Object.keys(tokensSchema.shape);
const BD_KEYS = Object.keys(tokenBreakdownSchema.shape);

type Rec = Record<string, unknown>;
const clone = (r: unknown): Rec => structuredClone(r) as Rec;

function mutate(base: Rec, rnd: () => number): Rec {
  const r = clone(base);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  // Drop a few fields too, so aliases and fallbacks (status, is_failed, usage, …) become the ones used.
  while (rnd() < 0.4) delete r[pick(Object.keys(r).concat('fail', 'failed', 'tokens'))];
  const value = pick(VALUES);
  const where = rnd();
  let target: Rec = r;
  let key: string;
  if (where < 0.6) key = pick(TOP_KEYS);
  else if (where < 0.8) {
    if (typeof r.tokens !== 'object' || r.tokens === null) r.tokens = {};
    target = r.tokens as Rec;
    key = pick(TOKEN_KEYS);
  } else {
    if (typeof r.token_breakdown !== 'object' || r.token_breakdown === null) r.token_breakdown = {};
    target = r.token_breakdown as Rec;
    key = pick(BD_KEYS);
    const inner = target[key];
    if (rnd() < 0.5 && typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
      target = inner as Rec;
      key = pick(Object.keys(inner).concat('total_tokens', 'reasoning_tokens', 'cache_read_tokens'));
    }
  }
  if (value === undefined && rnd() < 0.5) delete target[key];
  else target[key] = structuredClone(value);
  return r;
}

function expectSame(raw: unknown): void {
  const fast = normalizeRecord(raw);
  const slow = normalizeRecordViaSchema(raw);
  expect(fast).toEqual(slow);
}

describe('record fast path ≡ zod path', () => {
  const records = [...generateUsage({ seed: 7, events: 3000, days: 2, failureRate: 0.1 })] as unknown[];

  it('gives identical UsageEvents for 3,000 generated records (objects and JSON text)', () => {
    let ok = 0;
    for (const rec of records) {
      expectSame(rec);
      expectSame(JSON.stringify(rec));
      if (normalizeRecord(rec).ok) ok++;
      expect(fastParseRecord(rec as Rec)).not.toBeNull(); // CPA's own records do take the fast path
    }
    expect(ok).toBe(records.length);
  });

  it('agrees for every schema field × every odd value, on a full and on a bare record', () => {
    const full = records[0] as Rec;
    const bare: Rec = { timestamp: full.timestamp, model: full.model };
    const fields: [string | null, string][] = [
      ...TOP_KEYS.map((k) => [null, k] as [null, string]),
      ...TOKEN_KEYS.map((k) => ['tokens', k] as [string, string]),
      ...BD_KEYS.map((k) => ['token_breakdown', k] as [string, string]),
    ];
    for (const base of [full, bare, { ...bare, accounting_version: 2, token_breakdown: {} }]) {
      for (const [parent, key] of fields) {
        for (const value of VALUES) {
          const r = clone(base);
          const target = parent ? ((r[parent] ??= {}) as Rec) : r;
          target[key] = structuredClone(value);
          expectSame(r);
        }
      }
    }
  });

  it('gives identical results (or the same rejection) for 8,000 mutated variants', () => {
    const rnd = prng(20260822);
    let rejected = 0;
    for (let i = 0; i < 8000; i++) {
      const base = records[i % records.length] as Rec;
      let m = mutate(base, rnd);
      if (rnd() < 0.3) m = mutate(m, rnd); // sometimes two mutations at once
      expectSame(m);
      if (!normalizeRecord(m).ok) rejected++;
    }
    // the mutations must exercise both outcomes
    expect(rejected).toBeGreaterThan(50);
    expect(rejected).toBeLessThan(8000);
  });
});
