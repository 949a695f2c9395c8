import { describe, expect, it } from 'vitest';
import { computeCost, effectiveServiceTier, type CostInput, type ModelPrice } from './cost';

const price = (over: Partial<ModelPrice> = {}): ModelPrice => ({
  model: 'claude-sonnet-4-5',
  input: 3,
  output: 15,
  cacheRead: 0.3,
  cacheCreation: 3.75,
  reasoning: null,
  inputAbove200k: 6,
  outputAbove200k: 22.5,
  cacheReadAbove200k: 0.6,
  cacheCreationAbove200k: 7.5,
  priorityMultiplier: null,
  flexMultiplier: null,
  batchMultiplier: null,
  tierPrices: null,
  perRequestFee: null,
  source: 'manual',
  sourceModelId: null,
  manual: true,
  updatedMs: 0,
  ...over,
});
const ev = (over: Partial<CostInput> = {}): CostInput => ({
  provider: 'claude',
  serviceTier: '',
  responseServiceTier: '',
  inputTokens: 0,
  cacheReadTokens: 0,
  cacheCreationTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  unclassifiedTokens: 0,
  ...over,
});
const gpt5 = price({
  model: 'gpt-5',
  input: 1.25,
  output: 10,
  cacheRead: 0.125,
  cacheCreation: null,
  inputAbove200k: null,
  outputAbove200k: null,
  cacheReadAbove200k: null,
  cacheCreationAbove200k: null,
});

describe('computeCost (micro-dollars = tokens × USD per 1M)', () => {
  it('cache read: 1000·3 + 20000·0.3 + 500·15 + 100·15 = 18,000', () => {
    expect(
      computeCost(
        ev({ inputTokens: 1000, cacheReadTokens: 20000, outputTokens: 500, reasoningTokens: 100 }),
        price(),
      ),
    ).toEqual({ costMicros: 18000, missing: false, estimated: false });
  });

  it('cache write: 350·3 + 1500·3.75 + 20000·0.3 + 800·15 + 400·15 = 30,675 (no double count)', () => {
    const r = computeCost(
      ev({
        inputTokens: 350,
        cacheCreationTokens: 1500,
        cacheReadTokens: 20000,
        outputTokens: 800,
        reasoningTokens: 400,
      }),
      price(),
    );
    expect(r.costMicros).toBe(30675);
  });

  it('>200k context tier applies to the whole request when the prompt is strictly above 200k', () => {
    // prompt = 150,000 + 60,000 = 210,000: 150000·6 + 60000·0.6 + 1000·22.5 = 958,500
    expect(
      computeCost(ev({ inputTokens: 150000, cacheReadTokens: 60000, outputTokens: 1000 }), price())
        .costMicros,
    ).toBe(958500);
    // exactly 200,000 stays on base rates: 200000·3 + 1000·15 = 615,000
    expect(computeCost(ev({ inputTokens: 200000, outputTokens: 1000 }), price()).costMicros).toBe(615000);
  });

  it('priority tier: default ×2 multiplier, or explicit tier rates when the price has them', () => {
    const e = ev({
      provider: 'codex',
      serviceTier: 'priority',
      responseServiceTier: 'default',
      inputTokens: 4000,
      cacheReadTokens: 8000,
      outputTokens: 600,
      reasoningTokens: 300,
    });
    // (4000·1.25 + 8000·0.125 + 600·10 + 300·10) × 2 = 15,000 × 2
    expect(computeCost(e, gpt5).costMicros).toBe(30000);
    const explicit = { ...gpt5, tierPrices: { priority: { input: 2, output: 20, cacheRead: 0.25 } } };
    // 4000·2 + 8000·0.25 + 900·20 = 28,000
    expect(computeCost(e, explicit).costMicros).toBe(28000);
    expect(computeCost({ ...e, serviceTier: 'flex' }, { ...gpt5, flexMultiplier: 0.5 }).costMicros).toBe(
      7500,
    );
  });

  it('the billed tier: Codex trusts the request, others the response', () => {
    expect(
      effectiveServiceTier({ provider: 'codex', serviceTier: 'priority', responseServiceTier: 'default' }),
    ).toBe('priority');
    expect(
      effectiveServiceTier({ provider: 'claude', serviceTier: 'priority', responseServiceTier: 'default' }),
    ).toBeNull();
    expect(
      effectiveServiceTier({ provider: 'openai', serviceTier: 'auto', responseServiceTier: 'flex' }),
    ).toBe('flex');
  });

  it('a missing price is flagged, never 0', () => {
    expect(computeCost(ev({ inputTokens: 10 }), undefined)).toEqual({
      costMicros: null,
      missing: true,
      estimated: false,
    });
    expect(computeCost(ev({ inputTokens: 10 }), price({ input: null })).missing).toBe(true);
  });

  it('fallbacks are flagged as estimated; per-request fee is added', () => {
    const r = computeCost(ev({ inputTokens: 1000, cacheReadTokens: 1000 }), price({ cacheRead: null }));
    expect(r).toEqual({ costMicros: 3000 + 300, missing: false, estimated: true });
    expect(computeCost(ev({ unclassifiedTokens: 100 }), price()).estimated).toBe(true);
    expect(computeCost(ev({ inputTokens: 1000 }), price({ perRequestFee: 0.01 })).costMicros).toBe(13000);
    expect(computeCost(ev({ reasoningTokens: 1000 }), price({ reasoning: 20 })).costMicros).toBe(20000);
  });
});
