// A fast, deterministic generator of store inputs (UsageEventInput) for the 10M-event scale benchmark.
// testkit's generateUsage makes byte-exact CPA records, and the collector's normaliser then turns them into
// store inputs; at 10M events that pair costs more than the inserts. This generator draws the same shape
// directly: 200 client keys and 1,000 accounts (Zipf traffic), 40 models of the testkit catalog across four
// providers, a diurnal and weekly rhythm over 365 days, ~3% failures with realistic status codes,
// log-normal input tokens with a cached share, output / reasoning tokens, log-normal latency with a tail.
import { MODEL_CATALOG } from '@cpamp/testkit';
import type { UsageEventInput } from '@cpamp/store';

export interface ScaleDataOptions {
  events: number;
  days: number;
  /** Window end (UTC ms); fixed so runs compare. */
  endMs: number;
  seed?: number;
  keys?: number;
  accounts?: number;
  models?: number;
  /** Spread events over this many CPAs (1–3; default 1): 'default' 60 % / 'cpa-2' 40 %, or 50 / 30 / 20 %. */
  upstreams?: number;
  /**
   * With several CPAs: 'spread' (default) draws each event's CPA on its own, so every account is on every CPA;
   * 'own' puts each account on one CPA (as real pools are) except every 100th (the 51st, 151st, …: 1%), which stays on all of them;
   * 'apart': every account on one CPA.
   */
  accountCpas?: 'spread' | 'own' | 'apart';
}

/** Upstream names and cumulative tenths of traffic per upstream count. */
const UPSTREAMS = ['default', 'cpa-2', 'cpa-3'];
const UPSTREAM_TENTHS: Record<number, number[]> = { 1: [10], 2: [6, 10], 3: [5, 8, 10] };

const PROVIDER: Record<string, string> = {
  codex: 'codex',
  claude: 'claude',
  gemini: 'gemini',
  'openai-compatible': 'openai-compatibility',
};
const FAILURES: readonly (readonly [number, string])[] = [
  [429, '{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached"}}'],
  [429, '{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota)."}}'],
  [500, '{"error":{"message":"Internal server error"}}'],
  [502, 'upstream connect error or disconnect/reset before headers'],
  [401, '{"error":{"message":"Your authentication token has expired."}}'],
  [400, '{"error":{"message":"Invalid request: context_length_exceeded"}}'],
  [529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'],
];
const EFFORTS = ['minimal', 'low', 'medium', 'high', 'xhigh'];
const UAS = [
  'codex_cli_rs/0.63.0 (Ubuntu 24.4.0; x86_64)',
  'claude-cli/2.0.50 (external, cli)',
  'python-requests/2.32.3',
];
const IPS = ['10.0.0.12', '10.0.0.31', '192.168.1.20', '172.16.4.7', '203.0.113.9'];

/** mulberry32: tiny, fast, deterministic. */
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

/** Cumulative Zipf weights for n items (exponent s): pick with a binary search. */
function zipfCdf(n: number, s: number): Float64Array {
  const c = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) c[i] = sum += 1 / Math.pow(i + 1, s);
  for (let i = 0; i < n; i++) c[i]! /= sum;
  return c;
}
function pick(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
const hex8 = (x: number) => (x >>> 0).toString(16).padStart(8, '0');

/**
 * Events oldest first, in batches. Timestamps: the window is cut into `events` equal slots, each slot's
 * event placed by the diurnal / weekly weight (thinning would skew counts; warping keeps the count exact).
 */
export function* scaleBatches(o: ScaleDataOptions, batchSize: number): Generator<UsageEventInput[]> {
  const rnd = prng(o.seed ?? 42);
  const keyCount = o.keys ?? 200;
  const accountCount = o.accounts ?? 1000;
  const models = MODEL_CATALOG.slice(0, o.models ?? 40);
  const keyCdf = zipfCdf(keyCount, 1.0);
  const accountCdf = zipfCdf(accountCount, 0.8);
  const modelCdf = zipfCdf(models.length, 1.1);
  const keys = Array.from({ length: keyCount }, (_, i) => {
    const h = hex8(Math.imul(i + 1, 2654435761)) + hex8(Math.imul(i + 7, 40503)) + hex8(i * 97 + 13);
    return { hash: h.repeat(2).slice(0, 64), label: `sk-…${h.slice(-4)}` };
  });
  const accounts = Array.from({ length: accountCount }, (_, i) => ({
    authIndex: hex8(Math.imul(i + 11, 2246822519)) + hex8(i),
    source: `user${i}@example.com`,
  }));
  const startMs = o.endMs - o.days * 86_400_000;
  const slot = (o.endMs - startMs) / o.events;
  // Diurnal rhythm as a time warp inside each day: busy hours get more of the day's slots.
  const hourWeight = Array.from(
    { length: 24 },
    (_, h) => 0.35 + Math.max(0, Math.sin(((h - 6) / 24) * 2 * Math.PI)),
  );
  const hourCdf = new Float64Array(24);
  let acc = 0;
  const total = hourWeight.reduce((x, y) => x + y, 0);
  for (let h = 0; h < 24; h++) hourCdf[h] = acc += hourWeight[h]! / total;
  const warp = (t: number) => {
    const day = Math.floor(t / 86_400_000) * 86_400_000;
    const u = (t - day) / 86_400_000;
    const h = pick(hourCdf, u);
    const lo = h === 0 ? 0 : hourCdf[h - 1]!;
    const f = (u - lo) / (hourCdf[h]! - lo);
    return day + (h + f) * 3_600_000;
  };
  const gauss = () => {
    const u = Math.max(1e-12, rnd());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  const upTenths = UPSTREAM_TENTHS[o.upstreams ?? 1] ?? UPSTREAM_TENTHS[1]!;
  let batch: UsageEventInput[] = [];
  for (let i = 0; i < o.events; i++) {
    const ts = Math.min(o.endMs - 1, Math.floor(warp(startMs + (i + rnd()) * slot)));
    const k = keys[pick(keyCdf, rnd())]!;
    const aIdx = pick(accountCdf, rnd());
    const a = accounts[aIdx]!;
    const m = models[pick(modelCdf, rnd())]!;
    const failed = rnd() < 0.03;
    const fail = failed ? FAILURES[Math.floor(rnd() * FAILURES.length)]! : null;
    // The six buckets are mutually exclusive (the store's model): input excludes the cached share.
    const prompt = failed ? 0 : Math.min(200_000, Math.round(Math.exp(8.3 + 1.1 * gauss())));
    const cacheRead = failed ? 0 : Math.round(prompt * rnd() * 0.8);
    const cacheCreation = !failed && m.family === 'claude' && rnd() < 0.3 ? Math.round(prompt * 0.1) : 0;
    const input = prompt - cacheRead - cacheCreation;
    const output = failed ? 0 : Math.round(Math.exp(5.8 + 0.9 * gauss()));
    const reasoning = !failed && m.reasoning ? Math.round(output * rnd() * 0.6) : 0;
    const latency = Math.round(Math.exp(8 + 0.8 * gauss()) + (rnd() < 0.01 ? 60_000 : 0));
    const req = hex8(Math.floor(rnd() * 4294967296));
    // From a hash of i, not rnd(): one upstream keeps the exact event stream of earlier runs.
    const ai = o.accountCpas === 'own' || o.accountCpas === 'apart' ? aIdx : 0;
    const shared = o.accountCpas === 'own' ? ai % 100 === 50 : o.accountCpas !== 'apart';
    const tenth = (Math.imul(shared ? i + 1 : ai + 1, 2654435761) >>> 0) % 10;
    const up = upTenths.findIndex((c) => tenth < c);
    batch.push({
      ...(up > 0 ? { upstream: UPSTREAMS[up]! } : {}),
      dedupKey: `scale-${i}-${req}`,
      requestId: req,
      timestampMs: ts,
      provider: PROVIDER[m.family]!,
      executorType: m.family,
      model: m.id,
      alias: m.alias,
      endpoint: m.family === 'claude' ? 'POST /v1/messages' : 'POST /v1/responses',
      authType: m.family === 'openai-compatible' ? 'apikey' : 'oauth',
      authIndex: a.authIndex,
      source: a.source,
      apiKeyHash: k.hash,
      apiKeyLabel: k.label,
      clientIp: IPS[i % IPS.length]!,
      userAgent: UAS[i % UAS.length]!,
      failed,
      statusCode: fail ? fail[0] : 200,
      failBody: fail ? fail[1] : '',
      latencyMs: latency,
      ttftMs: failed ? 0 : Math.round(latency * 0.3),
      reasoningEffort: m.reasoning ? EFFORTS[i % EFFORTS.length]! : '',
      serviceTier: '',
      responseServiceTier: '',
      generate: false,
      inputTokens: input,
      cacheReadTokens: cacheRead,
      cacheCreationTokens: cacheCreation,
      outputTokens: output,
      reasoningTokens: reasoning,
      unclassifiedTokens: 0,
      totalTokens: input + cacheRead + cacheCreation + output + reasoning,
      tokenQuality: 'complete',
    });
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
