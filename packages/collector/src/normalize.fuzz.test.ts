// The "malformed records never crash" target (docs/design.md): 10,000 fuzzed malformed records never throw
// and are each rejected with a reason.
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from './normalize';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const good = {
  timestamp: '2026-08-22T14:03:11.482913+02:00',
  latency_ms: 10,
  provider: 'codex',
  model: 'gpt-5',
  request_id: 'a1b2c3d4',
  tokens: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
  failed: false,
};

const weird = [
  {},
  [],
  'x',
  -1,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  { a: 1 },
  [1, 2],
  true,
  '\uD800',
  '𝟚𝟘𝟚𝟞-𝟘𝟠-𝟚𝟚',
  '٢٠٢٦-٠٨-٢٢T00:00:00Z',
];

function malformed(rand: () => number, i: number): unknown {
  const pickWeird = () => weird[Math.floor(rand() * weird.length)];
  const kind = i % 10;
  switch (kind) {
    case 0: {
      // truncated JSON
      const s = JSON.stringify(good);
      return s.slice(0, 1 + Math.floor(rand() * (s.length - 2)));
    }
    case 1: {
      // random bytes / garbage text
      const len = 1 + Math.floor(rand() * 200);
      let s = '';
      for (let k = 0; k < len; k++) s += String.fromCharCode(Math.floor(rand() * 0xffff));
      return `{${s}`;
    }
    case 2:
      // valid JSON, not an object
      return [JSON.stringify([good]), 'null', '42', '"just a string"', 'true', JSON.stringify([1, 2, 3])][
        i % 6
      ];
    case 3:
      // wrong type for the timestamp
      return {
        ...good,
        timestamp: [{}, [], true, { $date: 1 }, '', 'yesterday', '2026-13-45T99:99:99Z', '\u0000', '日本語'][
          i % 9
        ],
      };
    case 4:
      // tokens of the wrong shape
      return { ...good, tokens: ['abc', 42, [1, 2], true][i % 4] };
    case 5:
      // token counts of the wrong type / range
      return { ...good, tokens: { input_tokens: [{ n: 1 }, -5, 'lots', [3], 1e300, '1e5x'][i % 6] } };
    case 6:
      // other fields with types that mean corruption
      return {
        ...good,
        [['failed', 'latency_ms', 'fail', 'token_breakdown', 'model'][i % 5] as string]:
          [{ nested: { deep: pickWeird() } }, 'maybe', -3][i % 3] === -3 ? { x: 1 } : 'maybe',
      };
    case 7:
      // huge strings (over the record size cap)
      return rand() < 0.5
        ? JSON.stringify({ ...good, user_agent: 'A'.repeat(300_000) })
        : { ...good, fail: { status_code: 500, body: 'é'.repeat(300_000) } };
    case 8:
      // unicode noise in key places, no usable timestamp
      return {
        model: '🤖'.repeat(50),
        provider: '\uDC00\uD800',
        timestamp: weird[10 + (i % 2)],
        request_id: 'ß'.repeat(9),
      };
    default:
      // missing timestamp entirely, or a control-looking but non-control object
      return rand() < 0.5
        ? { ...good, timestamp: undefined }
        : JSON.stringify({ refresh: 'yes', model: null });
  }
}

describe('fuzz: 10,000 malformed records', () => {
  it('never throws, rejects each with a reason', () => {
    const rand = prng(20260822);
    const reasons = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const input = malformed(rand, i);
      let r: ReturnType<typeof normalizeRecord> | undefined;
      expect(() => (r = normalizeRecord(input))).not.toThrow();
      if (!r) throw new Error('no result');
      if (r.ok)
        throw new Error(`record ${i} (kind ${i % 10}) was accepted: ${JSON.stringify(input).slice(0, 200)}`);
      expect(typeof r.reason).toBe('string');
      expect(r.reason.length).toBeGreaterThan(3);
      const k = r.reason.split(':')[0] ?? r.reason;
      reasons.set(k, (reasons.get(k) ?? 0) + 1);
    }
    // several distinct, explanatory reasons rather than one catch-all
    expect(reasons.size).toBeGreaterThanOrEqual(5);
  });

  it('valid records with unicode and long (but bounded) strings are accepted and sanitised', () => {
    const rand = prng(7);
    for (let i = 0; i < 500; i++) {
      const noise = Array.from({ length: 50 + Math.floor(rand() * 3000) }, () =>
        String.fromCharCode(Math.floor(rand() * 0xffff)),
      ).join('');
      const r = normalizeRecord({
        ...good,
        user_agent: noise,
        source: noise,
        model: noise,
        fail: { status_code: 500, body: noise },
        failed: true,
      });
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.event.userAgent).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
        expect(r.event.model).not.toContain('\u0000');
        expect(Buffer.byteLength(r.event.failBody)).toBeLessThanOrEqual(2048);
      }
    }
  });
});
