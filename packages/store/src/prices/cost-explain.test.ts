// 40 hand-computed cases checked against both computeCost() and explainCost(), to the micro-dollar.
// Rates are USD per 1M tokens, so tokens × rate = micro-dollars; the arithmetic is written beside each case.
import { describe, expect, it } from 'vitest';
import { computeCost, type CostInput, type ModelPrice } from './cost';
import { explainCost } from './cost-explain';

const base: ModelPrice = {
  model: 'p',
  input: null,
  output: null,
  cacheRead: null,
  cacheCreation: null,
  reasoning: null,
  inputAbove200k: null,
  outputAbove200k: null,
  cacheReadAbove200k: null,
  cacheCreationAbove200k: null,
  priorityMultiplier: null,
  flexMultiplier: null,
  batchMultiplier: null,
  tierPrices: null,
  perRequestFee: null,
  contextTiers: null,
  source: 'manual',
  sourceModelId: null,
  manual: true,
  updatedMs: 0,
};
/** Claude-like: cache read / write, >200k rates. */
const P1: ModelPrice = {
  ...base,
  model: 'p1',
  input: 3,
  output: 15,
  cacheRead: 0.3,
  cacheCreation: 3.75,
  inputAbove200k: 6,
  outputAbove200k: 22.5,
  cacheReadAbove200k: 0.6,
  cacheCreationAbove200k: 7.5,
};
/** GPT-5-like: no cache-write rate, no >200k rates. */
const P2: ModelPrice = { ...base, model: 'p2', input: 1.25, output: 10, cacheRead: 0.125 };
/** P2 with explicit priority rates. */
const P3: ModelPrice = {
  ...P2,
  model: 'p3',
  tierPrices: { priority: { input: 2.5, output: 20, cacheRead: 0.25 } },
};
/** No cache rates, a reasoning rate, a per-request fee, priority × 1.5. */
const P4: ModelPrice = {
  ...base,
  model: 'p4',
  input: 2,
  output: 8,
  reasoning: 4,
  perRequestFee: 0.01,
  priorityMultiplier: 1.5,
};
/** Context tiers (Plus's contextTiers): > 128k and > 500k prompt tokens. */
const P5: ModelPrice = {
  ...base,
  model: 'p5',
  input: 1,
  output: 4,
  cacheRead: 0.1,
  contextTiers: [
    { thresholdTokens: 500_000, input: 4, output: 12, cacheRead: 0.4 },
    { thresholdTokens: 128_000, input: 2, output: 8 },
  ],
};

const ev = (over: Partial<CostInput>): CostInput => ({
  provider: 'openai',
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

type Case = [
  name: string,
  e: Partial<CostInput>,
  price: ModelPrice | undefined,
  micros: number | null,
  estimated: boolean,
];

const cases: Case[] = [
  ['1 plain: 1000·3 + 500·15', { inputTokens: 1000, outputTokens: 500 }, P1, 10_500, false],
  [
    '2 cache read: 1000·3 + 20000·0.3 + 500·15 + 100·15',
    { inputTokens: 1000, cacheReadTokens: 20_000, outputTokens: 500, reasoningTokens: 100 },
    P1,
    18_000,
    false,
  ],
  [
    '3 cache write: 350·3 + 1500·3.75 + 20000·0.3 + 800·15 + 400·15',
    {
      inputTokens: 350,
      cacheCreationTokens: 1500,
      cacheReadTokens: 20_000,
      outputTokens: 800,
      reasoningTokens: 400,
    },
    P1,
    30_675,
    false,
  ],
  [
    '4 >200k: 150000·6 + 60000·0.6 + 1000·22.5',
    { inputTokens: 150_000, cacheReadTokens: 60_000, outputTokens: 1000 },
    P1,
    958_500,
    false,
  ],
  [
    '5 exactly 200k stays below: 200000·3 + 1000·15',
    { inputTokens: 200_000, outputTokens: 1000 },
    P1,
    615_000,
    false,
  ],
  [
    '6 >200k cache write: 100000·6 + 100001·7.5 + 10·22.5 = 1350232.5 → 1350233',
    { inputTokens: 100_000, cacheCreationTokens: 100_001, outputTokens: 10 },
    P1,
    1_350_233,
    false,
  ],
  [
    '7 priority (response): (1000·3 + 100·15)·2',
    { inputTokens: 1000, outputTokens: 100, responseServiceTier: 'priority' },
    P1,
    9000,
    false,
  ],
  [
    '8 flex: 4500·0.5',
    { inputTokens: 1000, outputTokens: 100, responseServiceTier: 'flex' },
    P1,
    2250,
    false,
  ],
  [
    '9 batch: 4500·0.5',
    { inputTokens: 1000, outputTokens: 100, responseServiceTier: 'batch' },
    P1,
    2250,
    false,
  ],
  [
    '10 requested priority, response default (not Codex): no multiplier',
    { inputTokens: 1000, outputTokens: 100, serviceTier: 'priority', responseServiceTier: 'default' },
    P1,
    4500,
    false,
  ],
  [
    '11 requested priority, no response tier: ×2',
    { inputTokens: 1000, outputTokens: 100, serviceTier: 'priority' },
    P1,
    9000,
    false,
  ],
  [
    '12 requested priority, response auto: ×2',
    { inputTokens: 1000, outputTokens: 100, serviceTier: 'priority', responseServiceTier: 'auto' },
    P1,
    9000,
    false,
  ],
  [
    '13 Codex requested priority wins over response default: ×2',
    {
      provider: 'codex',
      inputTokens: 1000,
      outputTokens: 100,
      serviceTier: 'priority',
      responseServiceTier: 'default',
    },
    P1,
    9000,
    false,
  ],
  [
    '14 Codex fast = priority: ×2',
    {
      provider: 'codex',
      inputTokens: 1000,
      outputTokens: 100,
      serviceTier: 'fast',
      responseServiceTier: 'default',
    },
    P1,
    9000,
    false,
  ],
  [
    '15 Codex no requested tier: the response priority: ×2',
    {
      provider: 'codex',
      inputTokens: 1000,
      outputTokens: 100,
      serviceTier: 'auto',
      responseServiceTier: 'priority',
    },
    P1,
    9000,
    false,
  ],
  [
    '16 Codex requested flex beats response priority: ×0.5',
    {
      provider: 'codex',
      inputTokens: 1000,
      outputTokens: 100,
      serviceTier: 'flex',
      responseServiceTier: 'priority',
    },
    P1,
    2250,
    false,
  ],
  [
    '17 priority multiplier set to 1.5: 4500·1.5',
    { inputTokens: 1000, outputTokens: 100, responseServiceTier: 'priority' },
    { ...P1, priorityMultiplier: 1.5 },
    6750,
    false,
  ],
  [
    '18 explicit priority rates, no multiplier: 1000·2.5 + 1000·0.25 + 100·20',
    { inputTokens: 1000, cacheReadTokens: 1000, outputTokens: 100, responseServiceTier: 'priority' },
    P3,
    4750,
    false,
  ],
  [
    '19 explicit priority, cache write at the priority input rate: 1000·2.5 + 1000·2.5 + 100·20',
    { inputTokens: 1000, cacheCreationTokens: 1000, outputTokens: 100, responseServiceTier: 'priority' },
    P3,
    7000,
    true,
  ],
  [
    '20 no explicit flex rates: (1000·1.25 + 100·10)·0.5',
    { inputTokens: 1000, outputTokens: 100, responseServiceTier: 'flex' },
    P3,
    1125,
    false,
  ],
  [
    '21 explicit priority above 200k: base rates × 2: (250000·1.25 + 100·10)·2',
    { inputTokens: 250_000, outputTokens: 100, responseServiceTier: 'priority' },
    P3,
    627_000,
    false,
  ],
  [
    '22 cache read: 1000·1.25 + 10000·0.125 + 200·10',
    { inputTokens: 1000, cacheReadTokens: 10_000, outputTokens: 200 },
    P2,
    4500,
    false,
  ],
  [
    '23 no cache-write rate: the input rate, estimated: 1000·1.25 + 1000·1.25',
    { inputTokens: 1000, cacheCreationTokens: 1000 },
    P2,
    2500,
    true,
  ],
  [
    '24 no cache-read rate: 10 % of input, + fee: 1000·2 + 5000·0.2 + 100·8 + 0.01·1e6',
    { inputTokens: 1000, cacheReadTokens: 5000, outputTokens: 100 },
    P4,
    13_800,
    true,
  ],
  [
    '25 reasoning rate: 100·8 + 1000·4 + 10000',
    { outputTokens: 100, reasoningTokens: 1000 },
    P4,
    14_800,
    false,
  ],
  ['26 unclassified at the input rate: 1000·2 + 10000', { unclassifiedTokens: 1000 }, P4, 12_000, true],
  [
    '27 priority ×1.5, fee not multiplied: (1000·2 + 100·8)·1.5 + 10000',
    { inputTokens: 1000, outputTokens: 100, responseServiceTier: 'priority' },
    P4,
    14_200,
    false,
  ],
  ['28 no tokens: the fee alone', {}, P4, 10_000, false],
  ['29 missing price', { inputTokens: 1000, outputTokens: 100 }, undefined, null, false],
  ['30 input rate not set: missing', { inputTokens: 1000 }, { ...P2, input: null }, null, false],
  ['31 output rate not set: missing', { inputTokens: 1000 }, { ...P2, output: null }, null, false],
  ['32 unclassified: 1000·1.25 + 500·1.25', { inputTokens: 1000, unclassifiedTokens: 500 }, P2, 1875, true],
  [
    '33 unclassified under flex: 1875·0.5 = 937.5 → 938',
    { inputTokens: 1000, unclassifiedTokens: 500, responseServiceTier: 'flex' },
    P2,
    938,
    true,
  ],
  [
    '34 below the first context tier: 100000·1 + 1000·4',
    { inputTokens: 100_000, outputTokens: 1000 },
    P5,
    104_000,
    false,
  ],
  ['35 exactly at a threshold stays below: 128000·1', { inputTokens: 128_000 }, P5, 128_000, false],
  [
    '36 first context tier: 128001·2 + 1000·8',
    { inputTokens: 128_001, outputTokens: 1000 },
    P5,
    264_002,
    false,
  ],
  [
    '37 second context tier: 400000·4 + 200000·0.4 + 1000·12',
    { inputTokens: 400_000, cacheReadTokens: 200_000, outputTokens: 1000 },
    P5,
    1_692_000,
    false,
  ],
  [
    '38 context tier without a cache-read rate keeps the base one: 100000·2 + 100000·0.1',
    { inputTokens: 100_000, cacheReadTokens: 100_000 },
    P5,
    210_000,
    false,
  ],
  [
    '39 context tier under priority: 130000·2·2',
    { inputTokens: 130_000, responseServiceTier: 'priority' },
    P5,
    520_000,
    false,
  ],
  ['40 rounding: 1·3 + 3·0.3 = 3.9 → 4', { inputTokens: 1, cacheReadTokens: 3 }, P1, 4, false],
];

describe('computeCost and explainCost: 40 hand-computed cases', () => {
  it('has 40 cases', () => expect(cases).toHaveLength(40));

  it.each(cases)('%s', (_name, over, price, micros, estimated) => {
    const e = ev(over);
    expect(computeCost(e, price)).toEqual({ costMicros: micros, missing: micros === null, estimated });
    const x = explainCost(e, price);
    expect(x.costMicros).toBe(micros);
    expect(x.estimated).toBe(estimated);
    expect(x.missing).toBe(micros === null);
    if (micros === null) expect(x.lines).toEqual([]);
    else expect(Math.round(x.lines.reduce((n, l) => n + l.micros, 0))).toBe(micros);
  });
});

describe('explainCost line items', () => {
  it('names the >200k switch, its rates and the tier', () => {
    const x = explainCost(ev({ inputTokens: 150_000, cacheReadTokens: 60_000, outputTokens: 1000 }), P1);
    expect(x.longContext).toBe(true);
    expect(x.lines).toEqual([
      {
        bucket: 'input',
        tokens: 150_000,
        rate: 6,
        source: 'above200k',
        multiplier: 1,
        micros: 900_000,
        estimated: false,
      },
      {
        bucket: 'cacheRead',
        tokens: 60_000,
        rate: 0.6,
        source: 'above200k',
        multiplier: 1,
        micros: 36_000,
        estimated: false,
      },
      {
        bucket: 'output',
        tokens: 1000,
        rate: 22.5,
        source: 'above200k',
        multiplier: 1,
        micros: 22_500,
        estimated: false,
      },
    ]);
  });

  it('marks fallbacks as estimated and lists the request fee', () => {
    const x = explainCost(ev({ inputTokens: 1000, cacheReadTokens: 5000, outputTokens: 100 }), P4);
    expect(x.lines.map((l) => [l.bucket, l.source, l.estimated])).toEqual([
      ['input', 'base', false],
      ['cacheRead', 'inputTenth', true],
      ['output', 'base', false],
      ['requestFee', 'fee', false],
    ]);
  });

  it('says the Codex requested tier decided, and which context tier applied', () => {
    const codex = explainCost(
      ev({ provider: 'codex', inputTokens: 1000, serviceTier: 'priority', responseServiceTier: 'default' }),
      P1,
    );
    expect(codex).toMatchObject({ serviceTier: 'priority', serviceTierFrom: 'requested' });
    expect(codex.lines[0]).toMatchObject({ multiplier: 2 });
    const openai = explainCost(ev({ inputTokens: 1000, responseServiceTier: 'flex' }), P1);
    expect(openai).toMatchObject({ serviceTier: 'flex', serviceTierFrom: 'response' });
    expect(explainCost(ev({ inputTokens: 128_001 }), P5)).toMatchObject({
      contextTierThreshold: 128_000,
      longContext: false,
    });
  });
});
