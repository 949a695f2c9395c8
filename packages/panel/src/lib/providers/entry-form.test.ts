import { describe, expect, it } from 'vitest';
import { fromDraft, modelIds, toDraft } from './entry-form';
import { keyTestHint } from './key-test-explain';

describe('provider entry form', () => {
  it('round-trips every field, unknown ones through the YAML block', () => {
    const e = { 'api-key': 'k', 'base-url': 'https://x', weight: 3, priority: 1, 'disable-cooling': false, headers: { A: 'b' }, 'excluded-models': ['m*'], models: [{ name: 'n', alias: 'a', thinking: { levels: ['low'] } }], cloak: { mode: 'always' }, 'auth-index': 'ignored' };
    const out = fromDraft('claude-api-key', toDraft(e), e);
    const { 'auth-index': _drop, ...rest } = e;
    expect(out).toEqual(rest);
  });

  it('names the first problem', () => {
    expect(fromDraft('codex-api-key', toDraft(undefined), undefined)).toEqual({ error: 'key', field: 'api-key' });
    expect(fromDraft('openai-compatibility', toDraft(undefined), undefined)).toEqual({ error: 'name', field: 'name' });
    expect(fromDraft('codex-api-key', { ...toDraft({ 'api-key': 'k' }), weight: 'x' }, { 'api-key': 'k' })).toEqual({ error: 'int', field: 'weight' });
    expect(fromDraft('codex-api-key', { ...toDraft({ 'api-key': 'k' }), other: '- a' }, { 'api-key': 'k' })).toEqual({ error: 'yaml', field: 'other' });
  });

  it('reads model ids from OpenAI and Gemini model lists, and maps statuses to hints', () => {
    expect(modelIds('{"data":[{"id":"gpt-5"},{"id":"gpt-5"}]}')).toEqual(['gpt-5']);
    expect(modelIds({ models: [{ name: 'models/gemini-2.5-pro' }] })).toEqual(['gemini-2.5-pro']);
    expect([0, 401, 403, 404, 429, 503, 400].map(keyTestHint)).toEqual(['unreachable', 'unauthorized', 'forbidden', 'notFound', 'rateLimited', 'upstream', 'other']);
  });
});
