import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modelNameCandidates } from '../src/index';
import { makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

const fixture = fileURLToPath(new URL('./fixtures/litellm-prices.json', import.meta.url));
const temp = tempStores();
const open = () => temp.memory();

describe('prices', () => {
  it('syncs LiteLLM prices from a local file with CPA model-id matching and an unmatched report', async () => {
    const s = await open();
    const models = [
      'gpt-5',
      'gpt-5(high)',
      'claude-sonnet-4-5-20250929',
      'gemini-2.5-pro',
      'gemini-2.5-flash',
      'openai/gpt-4.1',
      'gpt-5-codex-high',
      'claude-opus-4-5',
      'my-private-model',
      'text-embedding-3-small',
    ];
    const r = await s.prices.sync({ file: fixture }, { models });
    const by = Object.fromEntries(r.matched.map((m) => [m.model, m.sourceModelId]));
    expect(by).toEqual({
      'gpt-5': 'gpt-5',
      'gpt-5(high)': 'gpt-5',
      'claude-sonnet-4-5-20250929': 'claude-sonnet-4-5-20250929',
      'gemini-2.5-pro': 'gemini-2.5-pro',
      'gemini-2.5-flash': 'gemini/gemini-2.5-flash',
      'openai/gpt-4.1': 'gpt-4.1',
      'gpt-5-codex-high': 'gpt-5-codex',
      'claude-opus-4-5': 'claude-opus-4-5-20251101',
    });
    expect(r.unmatched).toEqual(['my-private-model', 'text-embedding-3-small']);
    const gpt5 = (await s.prices.get('gpt-5'))!;
    expect(gpt5).toMatchObject({
      input: 1.25,
      output: 10,
      cacheRead: 0.125,
      source: 'litellm',
      manual: false,
    });
    expect(gpt5.tierPrices?.priority).toEqual({
      input: 2.5,
      output: 20,
      cacheRead: 0.25,
      cacheCreation: null,
    });
    expect(await s.prices.get('claude-sonnet-4-5-20250929')).toMatchObject({
      cacheCreation: 3.75,
      inputAbove200k: 6,
      outputAbove200k: 22.5,
    });
  });

  it('manual edits are never overwritten by a later sync', async () => {
    const s = await open();
    await s.prices.set('gpt-5', { input: 1, output: 2 });
    const r = await s.prices.sync({ file: fixture }, { models: ['gpt-5', 'gpt-4.1'] });
    expect(r.preservedManual).toEqual(['gpt-5']);
    expect(await s.prices.get('gpt-5')).toMatchObject({ input: 1, output: 2, manual: true });
    expect((await s.prices.get('gpt-4.1'))?.manual).toBe(false);
    await expect(s.prices.set('x', { input: -1 })).rejects.toThrowError(
      expect.objectContaining({ code: 'invalid_price' }),
    );
  });

  it('an unreachable URL or bad file is a typed error that tells to use a local file', async () => {
    const s = await open();
    await expect(
      s.prices.sync({ url: 'http://127.0.0.1:9/prices.json', timeoutMs: 500 }),
    ).rejects.toMatchObject({ code: 'price_source_failed' });
    await expect(s.prices.sync({ json: { sample_spec: {} } })).rejects.toMatchObject({
      code: 'price_source_failed',
    });
  });

  it('costs at insert with the price version; missing price flagged; repriceRange re-prices history and rollups', async () => {
    const s = await open();
    const t = Date.UTC(2026, 7, 22, 12);
    await s.insertBatch([
      makeEvent({ model: 'gpt-5', timestampMs: t, inputTokens: 1000, cacheReadTokens: 0, outputTokens: 100 }),
    ]);
    let e = (await s.events.list({})).events[0]!;
    expect(e).toMatchObject({ costMicros: null, priceMissing: true });
    expect(await s.analytics.totals({ from: 0, to: t + 1 })).toMatchObject({ costMicros: 0, unpricedRequests: 1 });

    await s.prices.set('gpt-5', { input: 1.25, output: 10 });
    const v1 = await s.prices.currentVersion();
    await s.insertBatch([makeEvent({ model: 'gpt-5', timestampMs: t + 1, inputTokens: 1000, outputTokens: 100 })]);
    e = (await s.events.list({})).events[0]!;
    expect(e).toMatchObject({ costMicros: 1250 + 1000, priceVersion: v1, priceMissing: false });

    const r = await s.events.repriceRange({ from: 0, to: t + 10 });
    expect(r).toMatchObject({ updated: 2, missingPrice: 0, version: v1 });
    expect(await s.analytics.totals({ from: 0, to: t + 10 })).toMatchObject({
      costMicros: 4500,
      unpricedRequests: 0,
    });
  });

  it('name candidates strip effort, provider prefix and date suffixes', () => {
    expect(modelNameCandidates('openai/GPT-5-codex-high')).toEqual([
      'openai/gpt-5-codex-high',
      'gpt-5-codex-high',
      'gpt-5-codex',
    ]);
    expect(modelNameCandidates('claude-sonnet-4-5-20250929')).toContain('claude-sonnet-4-5');
  });
});
