import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  generateAccountPool,
  generateAccounts,
  generateUsage,
  providerFamilyOf,
  type CpaUsageRecord,
  type ProviderFamily,
} from '@cpamp/testkit';

// ---- zod schema of a CPA v7.2.140 usage record (docs/design.md, "Usage record"); strict: no unknown keys ----

const int = z.number().int().nonnegative();

const tokensSchema = z.strictObject({
  input_tokens: int,
  output_tokens: int,
  reasoning_tokens: int,
  cached_tokens: int,
  cache_read_tokens: int,
  cache_read_tokens_present: z.literal(true),
  cache_creation_tokens: int,
  total_tokens: int,
});

const breakdownSchema = z.strictObject({
  schema_version: z.literal(2),
  quality: z.enum(['complete', 'inconsistent', 'unclassified']),
  total_tokens: int,
  input: z.strictObject({
    total_tokens: int,
    uncached_tokens: int,
    cache_read_tokens: int,
    cache_write_tokens: int,
  }),
  output: z.strictObject({ total_tokens: int, non_reasoning_tokens: int, reasoning_tokens: int }),
  unclassified_tokens: int,
});

const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?(Z|[+-]\d\d:\d\d)$/;

const recordSchema = z.strictObject({
  timestamp: z.string().regex(RFC3339_NANO),
  latency_ms: int,
  ttft_ms: int,
  source: z.string().min(1),
  auth_index: z.string().regex(/^[0-9a-f]{16}$/),
  access_token_sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  client_ip: z.string().min(1),
  x_forwarded_for: z.string(),
  user_agent: z.string().min(1),
  tokens: tokensSchema,
  failed: z.boolean(),
  generate: z.boolean(),
  fail: z.strictObject({ status_code: z.number().int().min(200).max(599), body: z.string() }),
  response_headers: z.record(z.string(), z.array(z.string())).optional(),
  accounting_version: z.literal(2),
  token_breakdown: breakdownSchema,
  provider: z.string().min(1),
  executor_type: z.string().regex(/^[A-Z][A-Za-z]+Executor$/),
  model: z.string().min(1),
  alias: z.string().min(1),
  endpoint: z.string().regex(/^POST \/v1/),
  auth_type: z.enum(['oauth', 'apikey']),
  api_key: z.string().min(1),
  request_id: z.string().regex(/^[0-9a-f]{8}$/),
  reasoning_effort: z.enum(['', 'minimal', 'low', 'medium', 'high', 'xhigh']),
  service_tier: z.enum(['', 'auto', 'default', 'priority', 'flex']),
  response_service_tier: z.enum(['default', 'priority', 'flex', 'standard']).optional(),
});

const take = (n: number, it: Iterable<CpaUsageRecord>): CpaUsageRecord[] => {
  const out: CpaUsageRecord[] = [];
  for (const r of it) {
    out.push(r);
    if (out.length >= n) break;
  }
  return out;
};

/** Per-record checks without one expect() per record (20k records × many asserts is slow in vitest). */
function violations(
  records: readonly CpaUsageRecord[],
  check: (r: CpaUsageRecord) => string | null,
): string[] {
  const out: string[] = [];
  for (const r of records) {
    const problem = check(r);
    if (problem !== null && out.length < 5) out.push(`${problem}: ${JSON.stringify(r)}`);
  }
  return out;
}

const SAMPLE = { seed: 20260822, events: 20_000, days: 30 } as const;
const sample = [...generateUsage(SAMPLE)];

describe('generateUsage determinism', () => {
  it('same seed gives byte-identical records; re-iterating starts over; another seed differs', () => {
    const a = JSON.stringify(take(2000, generateUsage({ seed: 1, events: 50_000, days: 30 })));
    const b = JSON.stringify(take(2000, generateUsage({ seed: 1, events: 50_000, days: 30 })));
    expect(a).toBe(b);
    const iterable = generateUsage({ seed: 'abc', events: 100, days: 1 });
    expect(JSON.stringify([...iterable])).toBe(JSON.stringify([...iterable]));
    const c = JSON.stringify(take(2000, generateUsage({ seed: 2, events: 50_000, days: 30 })));
    expect(c).not.toBe(a);
  });

  it('yields exactly `events` records inside [end - days, end)', () => {
    expect(sample).toHaveLength(SAMPLE.events);
    const end = Date.UTC(2026, 7, 22, 16);
    const start = end - 30 * 86_400_000;
    for (const r of [sample[0]!, sample[sample.length - 1]!]) {
      const t = Date.parse(r.timestamp);
      expect(t).toBeGreaterThanOrEqual(start);
      expect(t).toBeLessThan(end);
    }
    expect([...generateUsage({ seed: 1, events: 0, days: 1 })]).toHaveLength(0);
    expect([
      ...generateUsage({ seed: 1, events: 7, days: 0.01, end: new Date('2026-01-01T00:00:00Z') }),
    ]).toHaveLength(7);
  });

  it('rejects bad options with messages that say how to fix them', () => {
    expect(() => generateUsage({ seed: 1, events: -1, days: 1 })).toThrow(
      /events must be a non-negative integer/,
    );
    expect(() => generateUsage({ seed: 1, events: 1, days: 0 })).toThrow(/days must be a positive number/);
    expect(() => generateUsage({ seed: 1, events: 1, days: 1, models: 61 })).toThrow(
      /models must be an integer between 1 and 60/,
    );
    expect(() => generateUsage({ seed: 1, events: 1, days: 1, cpaVersion: 'latest' })).toThrow(
      /cpaVersion 'latest'/,
    );
    expect(() => generateUsage({ seed: 1, events: 1, days: 1, accounts: 0 })).toThrow(
      /accounts must be a positive integer/,
    );
  });
});

describe('generateUsage record shape (CPA v7.2.140)', () => {
  it('every record validates against the strict record schema, keys in CPA order', () => {
    for (const r of sample) {
      const parsed = recordSchema.safeParse(r);
      if (!parsed.success) throw new Error(`${JSON.stringify(r)}\n${parsed.error.message}`);
    }
    const keys = Object.keys(
      sample.find((r) => r.response_headers && r.access_token_sha256 && r.response_service_tier)!,
    );
    expect(keys).toEqual([
      'timestamp',
      'latency_ms',
      'ttft_ms',
      'source',
      'auth_index',
      'access_token_sha256',
      'client_ip',
      'x_forwarded_for',
      'user_agent',
      'tokens',
      'failed',
      'generate',
      'fail',
      'response_headers',
      'accounting_version',
      'token_breakdown',
      'provider',
      'executor_type',
      'model',
      'alias',
      'endpoint',
      'auth_type',
      'api_key',
      'request_id',
      'reasoning_effort',
      'service_tier',
      'response_service_tier',
    ]);
  });

  it('mixes server offsets (Z and +08:00) and start times never go backwards', () => {
    expect(sample.some((r) => r.timestamp.endsWith('Z'))).toBe(true);
    expect(sample.some((r) => r.timestamp.endsWith('+08:00'))).toBe(true);
    let last = -Infinity;
    const backwards = violations(sample, (r) => {
      const t = Date.parse(r.timestamp);
      const bad = t < last;
      last = t;
      return bad ? 'timestamp went backwards' : null;
    });
    expect(backwards).toEqual([]);
  });

  it('source is the email for OAuth and the upstream key for API-key credentials; failures carry realistic bodies', () => {
    const bad = violations(sample, (r) => {
      if (r.auth_type === 'oauth') {
        if (!/^[^@\s]+@[^@\s]+$/.test(r.source)) return 'oauth source is not an email';
        if (!/^[0-9a-f]{64}$/.test(r.access_token_sha256 ?? ''))
          return 'oauth record without access_token_sha256';
      } else {
        if (!/^(sk-|gsk_|AIzaSy)/.test(r.source)) return 'apikey source is not an upstream key';
        if (r.access_token_sha256 !== undefined) return 'apikey record with access_token_sha256';
      }
      if (!r.failed && (r.fail?.status_code !== 200 || r.fail.body !== '')) return 'success with a fail body';
      if (r.failed && (r.tokens.total_tokens !== 0 || r.ttft_ms !== 0)) return 'failure with tokens or ttft';
      return null;
    });
    expect(bad).toEqual([]);
    const failures = sample.filter((r) => r.failed);
    const codes = new Set(failures.map((r) => r.fail!.status_code));
    for (const code of codes) expect([400, 401, 429, 500, 502, 503, 529]).toContain(code);
    expect(codes.has(429)).toBe(true);
    expect(codes.has(401)).toBe(true);
    expect(codes.has(500)).toBe(true);
    expect(codes.has(529)).toBe(true);
    for (const r of failures.filter((f) => f.fail!.status_code === 529)) expect(r.provider).toBe('claude');
    const codexQuota = failures.find((r) => r.provider === 'codex' && r.fail!.status_code === 429)!;
    expect(JSON.parse(codexQuota.fail!.body)).toMatchObject({
      error: { type: 'usage_limit_reached', resets_in_seconds: expect.any(Number) },
    });
    expect(codexQuota.response_headers?.['X-Codex-Primary-Used-Percent']).toEqual(['100']);
    expect(sample.some((r) => r.response_headers?.['Anthropic-Ratelimit-Unified-5h-Utilization'])).toBe(true);
    expect(sample.some((r) => r.generate === false)).toBe(true);
    expect(sample.some((r) => r.alias !== r.model)).toBe(true);
    expect(sample.some((r) => r.x_forwarded_for !== '')).toBe(true);
  });

  it('older cpaVersion values drop the fields those releases did not have', () => {
    const [v96] = take(1, generateUsage({ seed: 3, events: 10, days: 1, cpaVersion: '7.2.96' }));
    expect(v96).not.toHaveProperty('token_breakdown');
    expect(v96).not.toHaveProperty('accounting_version');
    expect(v96).not.toHaveProperty('client_ip');
    expect(v96).toHaveProperty('generate');
    const [v70] = take(1, generateUsage({ seed: 3, events: 10, days: 1, cpaVersion: 'v7.0.6' }));
    expect(Object.keys(v70!)).toEqual([
      'timestamp',
      'latency_ms',
      'source',
      'auth_index',
      'tokens',
      'failed',
      'fail',
      'provider',
      'model',
      'alias',
      'endpoint',
      'auth_type',
      'api_key',
      'request_id',
    ]);
    expect(Object.keys(v70!.tokens)).toEqual([
      'input_tokens',
      'output_tokens',
      'reasoning_tokens',
      'cached_tokens',
      'cache_read_tokens',
      'cache_creation_tokens',
      'total_tokens',
    ]);
    const [v610] = take(1, generateUsage({ seed: 3, events: 10, days: 1, cpaVersion: '6.10.0' }));
    expect(v610).not.toHaveProperty('alias');
    expect(v610).not.toHaveProperty('fail');
    expect(Object.keys(v610!.tokens)).toEqual([
      'input_tokens',
      'output_tokens',
      'reasoning_tokens',
      'cached_tokens',
      'total_tokens',
    ]);
  });
});

describe('generateUsage token accounting', () => {
  it('token_breakdown invariants hold and agree with the legacy tokens per provider semantics', () => {
    let complete = 0;
    const bad = violations(sample, (r) => {
      const b = r.token_breakdown!;
      const t = r.tokens;
      if (
        b.input.total_tokens !==
        b.input.uncached_tokens + b.input.cache_read_tokens + b.input.cache_write_tokens
      )
        return 'input.total';
      if (b.output.total_tokens !== b.output.non_reasoning_tokens + b.output.reasoning_tokens)
        return 'output.total';
      if (b.total_tokens !== b.input.total_tokens + b.output.total_tokens + b.unclassified_tokens)
        return 'total';
      if (b.total_tokens !== t.total_tokens) return 'breakdown total != tokens total';
      if (b.quality === 'inconsistent')
        return b.input.total_tokens + b.output.total_tokens === 0 ? null : 'inconsistent not zeroed';
      if (b.quality !== 'complete') return null;
      complete++;
      if (b.unclassified_tokens !== 0) return 'complete with unclassified';
      if (t.cache_read_tokens !== b.input.cache_read_tokens) return 'cache_read';
      if (t.cache_creation_tokens !== b.input.cache_write_tokens) return 'cache_creation';
      if (t.reasoning_tokens !== b.output.reasoning_tokens) return 'reasoning';
      const family = providerFamilyOf(r.provider);
      if (family === 'claude') {
        // independent: input excludes cache; output includes thinking; cached = read, or creation if read is 0.
        if (t.input_tokens !== b.input.uncached_tokens) return 'claude input';
        if (t.output_tokens !== b.output.total_tokens) return 'claude output';
        if (t.cached_tokens !== (t.cache_read_tokens! > 0 ? t.cache_read_tokens : t.cache_creation_tokens))
          return 'claude cached';
        if (
          t.total_tokens !==
          t.input_tokens + t.output_tokens + t.cache_read_tokens! + t.cache_creation_tokens!
        )
          return 'claude total';
      } else if (family === 'gemini') {
        // separate reasoning: input includes cached; output excludes thoughts.
        if (t.input_tokens !== b.input.total_tokens) return 'gemini input';
        if (t.output_tokens !== b.output.non_reasoning_tokens) return 'gemini output';
        if (t.total_tokens !== t.input_tokens + t.output_tokens + t.reasoning_tokens) return 'gemini total';
      } else {
        // subset: input includes cached; output includes reasoning.
        if (t.input_tokens !== b.input.total_tokens) return 'subset input';
        if (t.output_tokens !== b.output.total_tokens) return 'subset output';
        if (t.cached_tokens !== t.cache_read_tokens) return 'subset cached';
        if (t.total_tokens !== t.input_tokens + t.output_tokens) return 'subset total';
      }
      return null;
    });
    expect(bad).toEqual([]);
    expect(complete / sample.length).toBeGreaterThan(0.97);
    expect(sample.some((r) => r.token_breakdown!.quality === 'unclassified')).toBe(true);
  });

  it('input tokens are log-normal within 1k–200k with a cached share; output and reasoning present', () => {
    const ok = sample.filter(
      (r) =>
        !r.failed && r.generate && r.token_breakdown!.quality === 'complete' && r.model !== 'gpt-image-1',
    );
    const inputs = ok.map((r) => r.token_breakdown!.input.total_tokens).sort((a, b) => a - b);
    expect(inputs[0]).toBeGreaterThanOrEqual(1000);
    expect(inputs[inputs.length - 1]).toBeLessThanOrEqual(200_000);
    const median = inputs[Math.floor(inputs.length / 2)]!;
    expect(median).toBeGreaterThan(8000);
    expect(median).toBeLessThan(40_000);
    const cached = ok.filter((r) => r.token_breakdown!.input.cache_read_tokens > 0).length / ok.length;
    expect(cached).toBeGreaterThan(0.5);
    expect(
      ok.filter((r) => r.token_breakdown!.output.reasoning_tokens > 0).length / ok.length,
    ).toBeGreaterThan(0.3);
  });

  it('latency is log-normal with a long tail and ttft <= latency', () => {
    const ok = sample.filter((r) => !r.failed);
    const lat = ok.map((r) => r.latency_ms).sort((a, b) => a - b);
    const p50 = lat[Math.floor(lat.length * 0.5)]!;
    const p99 = lat[Math.floor(lat.length * 0.99)]!;
    expect(p50).toBeGreaterThan(1000);
    expect(p50).toBeLessThan(30_000);
    expect(p99 / p50).toBeGreaterThan(5);
    expect(violations(ok, (r) => (r.ttft_ms! <= r.latency_ms ? null : 'ttft > latency'))).toEqual([]);
  });
});

describe('generateUsage distribution (20k records)', () => {
  it('provider family shares ~60/25/10/5 and ~3% failures', () => {
    const counts: Record<ProviderFamily, number> = { codex: 0, claude: 0, gemini: 0, 'openai-compatible': 0 };
    for (const r of sample) counts[providerFamilyOf(r.provider)]++;
    const n = sample.length;
    expect(counts.codex / n).toBeCloseTo(0.6, 1);
    expect(counts.claude / n).toBeCloseTo(0.25, 1);
    expect(Math.abs(counts.gemini / n - 0.1)).toBeLessThan(0.02);
    expect(Math.abs(counts['openai-compatible'] / n - 0.05)).toBeLessThan(0.015);
    const failed = sample.filter((r) => r.failed).length / n;
    expect(failed).toBeGreaterThan(0.02);
    expect(failed).toBeLessThan(0.04);
    expect(new Set(sample.map((r) => r.provider))).toEqual(
      new Set(['codex', 'claude', 'antigravity', 'gemini', 'openrouter', 'deepseek', 'siliconflow', 'groq']),
    );
    expect(new Set(sample.map((r) => r.model)).size).toBeGreaterThan(50);
  });

  it('retries reuse the request_id on another account; some unrelated requests collide on request_id', () => {
    const byId = new Map<string, CpaUsageRecord[]>();
    for (const r of sample) {
      const list = byId.get(r.request_id);
      if (list) list.push(r);
      else byId.set(r.request_id, [r]);
    }
    let retries = 0;
    let collisions = 0;
    for (const list of byId.values()) {
      if (list.length < 2) continue;
      const [first, second] = list as [CpaUsageRecord, CpaUsageRecord];
      if (first.failed && second.api_key === first.api_key && second.model === first.model) {
        retries++;
        expect(second.auth_index).not.toBe(first.auth_index);
        expect(providerFamilyOf(second.provider)).toBe(providerFamilyOf(first.provider));
        expect(Date.parse(second.timestamp)).toBeGreaterThanOrEqual(
          Date.parse(first.timestamp) + first.latency_ms,
        );
      } else if (first.api_key !== second.api_key) {
        collisions++;
      }
    }
    const failed = sample.filter((r) => r.failed).length;
    expect(retries).toBeGreaterThan(failed * 0.3);
    expect(collisions).toBeGreaterThan(0);
  });

  it('traffic follows a diurnal and weekly rhythm; keys are Zipf-distributed', () => {
    const byHour = new Array<number>(24).fill(0);
    const byDay = new Array<number>(7).fill(0);
    for (const r of sample) {
      const local = new Date(Date.parse(r.timestamp) + 8 * 3_600_000);
      byHour[local.getUTCHours()]!++;
      byDay[local.getUTCDay()]!++;
    }
    const peak = Math.max(...byHour);
    const trough = Math.min(...byHour);
    expect(peak / trough).toBeGreaterThan(5);
    expect(byHour[4]!).toBeLessThan(byHour[10]!);
    // Each weekday appears 4–5 times in 30 days: compare per-day means of Sunday and Wednesday loosely.
    expect(byDay[0]!).toBeLessThan(byDay[3]!);
    const perKey = new Map<string, number>();
    for (const r of sample) perKey.set(r.api_key, (perKey.get(r.api_key) ?? 0) + 1);
    const sorted = [...perKey.values()].sort((a, b) => b - a);
    expect(perKey.size).toBeGreaterThan(150);
    expect(perKey.size).toBeLessThanOrEqual(200);
    expect(sorted[0]! / sample.length).toBeGreaterThan(0.1);
    expect(sorted[0]! / sorted[99]!).toBeGreaterThan(30);
    expect(new Set(sample.map((r) => r.client_ip)).size).toBeLessThan(25);
    const uas = new Set(sample.map((r) => r.user_agent ?? ''));
    expect(uas.size).toBeLessThan(40);
    for (const prefix of ['codex_cli_rs/', 'claude-cli/', 'python-requests/', 'curl/']) {
      expect([...uas].some((ua) => ua.startsWith(prefix))).toBe(true);
    }
  });

  it('records use the account pool: every auth_index is a generated account, and auth files resolve them', () => {
    const pool = generateAccountPool({ seed: SAMPLE.seed, accounts: 2000 });
    expect(pool).toHaveLength(2000);
    const byIndex = new Map(pool.map((a) => [a.authIndex, a]));
    expect(byIndex.size).toBe(2000);
    const bad = violations(sample, (r) => {
      const account = byIndex.get(r.auth_index);
      if (!account) return 'unknown auth_index';
      if (r.source !== account.source || r.provider !== account.provider || r.auth_type !== account.authType)
        return 'account mismatch';
      return null;
    });
    expect(bad).toEqual([]);
    const shares = { codex: 0, claude: 0, gemini: 0, 'openai-compatible': 0 };
    for (const a of pool) shares[a.family]++;
    expect(shares).toEqual({ codex: 1200, claude: 500, gemini: 200, 'openai-compatible': 100 });
    const files = generateAccounts({ seed: SAMPLE.seed, accounts: 2000 });
    expect(files.length).toBe(pool.filter((a) => a.authType === 'oauth').length);
    expect(new Set(files.map((f) => f.name)).size).toBe(files.length);
  });
});

describe('generateUsage laziness', () => {
  it('iterates 200k records without growing the heap (nothing is materialised)', () => {
    // Measure what stays alive, not garbage waiting for the collector: a full GC before each reading.
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const liveHeap = (): number => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    let n = 0;
    let tokens = 0;
    let heapAt20k = 0;
    let maxHeap = 0;
    for (const r of generateUsage({ seed: 9, events: 200_000, days: 30 })) {
      n++;
      tokens += r.tokens.total_tokens;
      if (n === 20_000) heapAt20k = liveHeap();
      if (n > 20_000 && n % 20_000 === 0) maxHeap = Math.max(maxHeap, liveHeap());
    }
    expect(n).toBe(200_000);
    expect(tokens).toBeGreaterThan(0);
    // Keeping 180k records alive would cost several hundred MB.
    expect(maxHeap - heapAt20k).toBeLessThan(64 * 1024 * 1024);
  });

  it('hands out the first records of a huge data set at once', () => {
    const started = performance.now();
    const first = take(5, generateUsage({ seed: 1, events: 1_000_000_000, days: 30 }));
    expect(first).toHaveLength(5);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
