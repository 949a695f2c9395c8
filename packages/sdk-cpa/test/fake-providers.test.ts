// Provider key lists, openai-compatibility, oauth-excluded-models and oauth-model-alias against the fake CPA.
import { describe, expect, it } from 'vitest';
import { CpaHttpError, type CpaProviderKind } from '@cpamp/sdk-cpa';
import { rejection, useFakeCpa } from './fake-harness';

const h = useFakeCpa();
const KINDS: CpaProviderKind[] = ['gemini', 'interactions', 'codex', 'claude', 'xai', 'vertex'];

describe('provider key lists', () => {
  it.each(KINDS)('%s: replace / list (with auth-index) / patch / delete', async (kind) => {
    const api = h.cpa.providers[kind];
    await api.replace([
      { 'api-key': `${kind}-key-1`, 'base-url': 'https://a.example' },
      { 'api-key': `${kind}-key-2`, prefix: 'p2' },
    ]);
    let list = await api.list();
    expect(list.map((e) => e['api-key'])).toEqual([`${kind}-key-1`, `${kind}-key-2`]);
    expect(list[0]?.['auth-index']).toMatch(/^[0-9a-f]{16}$/);

    await api.patch({ index: 1, value: { prefix: 'p2b' } });
    await api.patch({ match: `${kind}-key-1`, value: { 'proxy-url': 'http://proxy:1' } });
    list = await api.list();
    expect(list[1]?.prefix).toBe('p2b');
    expect(list[0]?.['proxy-url']).toBe('http://proxy:1');

    await api.delete({ apiKey: `${kind}-key-1` });
    await api.delete({ index: 0 });
    expect(await api.list()).toEqual([]);
  });

  it('patching a missing entry is a not_found CpaHttpError', async () => {
    const e = await rejection(h.cpa.providers.codex.patch({ match: 'nope', value: { prefix: 'x' } }));
    expect(e).toBeInstanceOf(CpaHttpError);
    expect((e as CpaHttpError).code).toBe('not_found');
    expect((e as CpaHttpError).cpaError).toBe('item not found');
  });

  it('openai-compatibility: list / replace / patch / delete by name and index', async () => {
    const api = h.cpa.providers.openaiCompatibility;
    const seeded = await api.list();
    expect(seeded[0]?.['api-key-entries']?.[0]?.['auth-index']).toMatch(/^[0-9a-f]{16}$/);
    await api.replace([
      { name: 'one', 'base-url': 'https://one.example/v1', 'api-key-entries': [{ 'api-key': 'sk-one' }] },
      { name: 'two', 'base-url': 'https://two.example/v1', 'api-key-entries': [{ 'api-key': 'sk-two' }] },
    ]);
    await api.patch({ index: 1, value: { prefix: 'tw' } });
    expect((await api.list())[1]?.prefix).toBe('tw');
    await api.delete({ name: 'one' });
    expect((await api.list()).map((e) => e.name)).toEqual(['two']);
    await api.delete({ index: 0 });
    expect(await api.list()).toEqual([]);
  });
});

describe('oauth model maps', () => {
  it('oauth-excluded-models get / patch / replace / delete', async () => {
    const api = h.cpa.oauthExcludedModels;
    expect(await api.get()).toEqual({ codex: ['gpt-5-nano'] });
    await api.patch('claude', ['claude-3-*']);
    expect((await api.get()).claude).toEqual(['claude-3-*']);
    await api.replace({ xai: ['grok-2'] });
    expect(await api.get()).toEqual({ xai: ['grok-2'] });
    await api.delete('xai');
    expect(await api.get()).toEqual({});
    const e = await rejection(api.delete('xai'));
    expect((e as CpaHttpError).code).toBe('not_found');
  });

  it('oauth-model-alias get / patch / replace / delete', async () => {
    const api = h.cpa.oauthModelAlias;
    const initial = await api.get();
    expect(initial.claude?.[0]).toMatchObject({ name: expect.any(String), alias: expect.any(String) });
    await api.patch('codex', [{ name: 'gpt-5-codex', alias: 'codex' }]);
    expect((await api.get()).codex).toEqual([{ name: 'gpt-5-codex', alias: 'codex' }]);
    await api.replace({ kimi: [{ name: 'kimi-k2', alias: 'k2', fork: true }] });
    expect(await api.get()).toEqual({ kimi: [{ name: 'kimi-k2', alias: 'k2', fork: true }] });
    await api.delete('kimi');
    expect(await api.get()).toEqual({});
  });
});

describe('oauth-request-scoped-errors', () => {
  it('get / patch / replace / delete', async () => {
    const api = h.cpa.oauthRequestScopedErrors;
    await api.patch('codex', [{ status: 400, match: ['context_length'], action: 'stop' }]);
    expect((await api.get()).codex).toEqual([{ status: 400, match: ['context_length'], action: 'stop' }]);
    await api.replace({ claude: [{ status: 529, action: 'continue-and-cooldown' }] });
    expect(Object.keys(await api.get())).toEqual(['claude']);
    await api.delete('claude');
    expect(await api.get()).toEqual({});
  });
});
