import { describe, expect, it } from 'vitest';
import { formatAliasLines, keyTestRequest, parseAliasLines, parseModelList } from './cpa-extras';

describe('auth-file model rules', () => {
  it('parses exclusion patterns from lines or commas', () => {
    expect(parseModelList('gpt-4*\n o1-mini , gpt-4*\n\n')).toEqual(['gpt-4*', 'o1-mini']);
  });

  it('parses `name = alias` lines and names the first bad line', () => {
    const r = parseAliasLines('gemini-2.5-pro = g-pro\n\nclaude-opus -> opus');
    expect(r).toEqual({ ok: true, rules: [{ name: 'gemini-2.5-pro', alias: 'g-pro' }, { name: 'claude-opus', alias: 'opus' }] });
    expect(formatAliasLines(r.ok ? r.rules : [])).toBe('gemini-2.5-pro = g-pro\nclaude-opus = opus');
    expect(parseAliasLines('a = b\nnot a rule')).toEqual({ ok: false, line: 2 });
  });
});

describe('provider key test request', () => {
  it('uses the entry base URL when set, else the provider default; OpenAI-compatible needs a base URL', () => {
    expect(keyTestRequest('claude-api-key', undefined)?.url).toBe('https://api.anthropic.com/v1/models');
    expect(keyTestRequest('codex-api-key', 'https://proxy.example/v1/')?.url).toBe('https://proxy.example/v1/models');
    expect(keyTestRequest('openai-compatibility', 'https://llm.example')?.url).toBe('https://llm.example/v1/models');
    expect(keyTestRequest('openai-compatibility', undefined)).toBeNull();
    expect(keyTestRequest('vertex-api-key', undefined)).toBeNull();
  });
});
