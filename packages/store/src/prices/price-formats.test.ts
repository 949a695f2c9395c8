// models.dev and OpenRouter price files (fixtures written from their documented public shapes; no network):
// parsed into the same entries as LiteLLM's, a candidate list when a model has several prices, manual
// prices never overwritten.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore } from '../open-store';
import { detectPriceFormat, parseModelsDev, parseOpenRouter } from './price-formats';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url)), 'utf8'));
const modelsDev = fixture('models-dev-api.json');
const openRouter = fixture('openrouter-models.json');

describe('price file formats', () => {
  it('detects the format by shape', () => {
    expect(detectPriceFormat(modelsDev)).toBe('models.dev');
    expect(detectPriceFormat(openRouter)).toBe('openrouter');
    expect(detectPriceFormat({ 'gpt-5': { input_cost_per_token: 1e-6 } })).toBe('litellm');
  });

  it('models.dev: per-1M rates, >200k rates, context tiers, the fast mode as priority rates', () => {
    const { entries, skipped } = parseModelsDev(modelsDev);
    expect(skipped).toBe(1); // the embedding model has no cost
    const by = (k: string, provider?: string) =>
      entries.find((e) => e.key === k && (!provider || e.provider === provider))!.price;
    expect(by('gpt-5')).toMatchObject({
      input: 1.25,
      output: 10,
      cacheRead: 0.125,
      cacheCreation: null,
      source: 'models.dev',
      sourceModelId: 'openai/gpt-5',
      tierPrices: { priority: { input: 2.5, output: 20, cacheRead: 0.25 } },
    });
    expect(by('claude-sonnet-4-5')).toMatchObject({
      inputAbove200k: 6,
      outputAbove200k: 22.5,
      cacheReadAbove200k: 0.6,
      cacheCreationAbove200k: 7.5,
      cacheCreation: 3.75,
    });
    expect(by('gemini-2.5-pro').contextTiers).toEqual([
      { thresholdTokens: 200_000, input: 2.5, output: 15, cacheRead: 0.625 },
    ]);
    expect(entries.filter((e) => e.key === 'kimi-k2').map((e) => e.provider)).toEqual([
      'reseller-a',
      'reseller-b',
    ]);
  });

  it('OpenRouter: per-token strings to per-1M, cache read / write, request fee; negative prices skipped', () => {
    const { entries, skipped } = parseOpenRouter(openRouter);
    expect(skipped).toBe(1);
    expect(entries.find((e) => e.key === 'openai/gpt-5')!.price).toMatchObject({
      input: 1.25,
      output: 10,
      cacheRead: 0.125,
      cacheCreation: null,
      reasoning: null,
      perRequestFee: null,
      source: 'openrouter',
    });
    expect(entries.find((e) => e.key === 'anthropic/claude-sonnet-4.5')!.price).toMatchObject({
      input: 3,
      output: 15,
      cacheRead: 0.3,
      cacheCreation: 3.75,
    });
    expect(entries.find((e) => e.key === 'perplexity/sonar')!.price.perRequestFee).toBe(0.005);
  });

  it('sync: a candidate list for a model priced differently by several providers, applied once picked; manual prices kept', async () => {
    const store = await openStore({ path: ':memory:' });
    try {
      await store.prices.set('gpt-5', { input: 9, output: 9 }); // manual: never overwritten
      const r = await store.prices.sync(
        { json: modelsDev },
        { models: ['gpt-5', 'claude-sonnet-4-5', 'kimi-k2', 'nope'] },
      );
      expect(r.format).toBe('models.dev');
      expect(r.preservedManual).toEqual(['gpt-5']);
      expect(r.unmatched).toEqual(['nope']);
      expect(r.matched).toEqual([{ model: 'claude-sonnet-4-5', sourceModelId: 'claude-sonnet-4-5' }]);
      expect(r.candidates).toEqual([
        {
          model: 'kimi-k2',
          candidates: [
            expect.objectContaining({ sourceModelId: 'reseller-a/kimi-k2', provider: 'reseller-a' }),
            expect.objectContaining({ sourceModelId: 'reseller-b/kimi-k2', provider: 'reseller-b' }),
          ],
        },
      ]);
      expect(await store.prices.get('kimi-k2')).toBeUndefined();
      expect(await store.prices.get('gpt-5')).toMatchObject({ input: 9, manual: true });
      const picked = await store.prices.sync(
        { json: modelsDev },
        { models: ['kimi-k2'], select: { 'kimi-k2': 'reseller-b/kimi-k2' } },
      );
      expect(picked.candidates).toEqual([]);
      expect(await store.prices.get('kimi-k2')).toMatchObject({
        input: 0.55,
        output: 2.2,
        source: 'models.dev',
        sourceModelId: 'reseller-b/kimi-k2',
        manual: false,
      });
      const or = await store.prices.sync({ json: openRouter }, { models: ['claude-sonnet-4.5'] });
      expect(or.format).toBe('openrouter');
      expect(await store.prices.get('claude-sonnet-4.5')).toMatchObject({
        input: 3,
        cacheCreation: 3.75,
        source: 'openrouter',
      });
    } finally {
      await store.close();
    }
  });
});
