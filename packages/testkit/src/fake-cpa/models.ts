/** Static model catalogue used by /auth-files/models and /model-definitions/:channel. */

export interface ModelInfo {
  id: string;
  display_name?: string;
  type?: string;
  owned_by?: string;
}

const m = (id: string, display: string, owner: string, type: string): ModelInfo => ({
  id,
  display_name: display,
  type,
  owned_by: owner,
});

export const MODEL_CATALOGUE: Record<string, ModelInfo[]> = {
  codex: [
    m('gpt-5', 'GPT 5', 'openai', 'openai'),
    m('gpt-5-codex', 'GPT 5 Codex', 'openai', 'openai'),
    m('gpt-5.1-codex-max', 'GPT 5.1 Codex Max', 'openai', 'openai'),
    m('gpt-5-codex-mini', 'GPT 5 Codex Mini', 'openai', 'openai'),
  ],
  claude: [
    m('claude-sonnet-4-5-20250929', 'Claude Sonnet 4.5', 'anthropic', 'claude'),
    m('claude-opus-4-1-20250805', 'Claude Opus 4.1', 'anthropic', 'claude'),
    m('claude-haiku-4-5-20251001', 'Claude Haiku 4.5', 'anthropic', 'claude'),
  ],
  antigravity: [
    m('gemini-2.5-pro', 'Gemini 2.5 Pro', 'google', 'antigravity'),
    m('gemini-3-pro-preview', 'Gemini 3 Pro Preview', 'google', 'antigravity'),
  ],
  gemini: [
    m('gemini-2.5-pro', 'Gemini 2.5 Pro', 'google', 'gemini'),
    m('gemini-2.5-flash', 'Gemini 2.5 Flash', 'google', 'gemini'),
  ],
  vertex: [m('gemini-2.5-pro', 'Gemini 2.5 Pro', 'google', 'vertex')],
  kimi: [
    m('kimi-k2', 'Kimi K2', 'moonshot', 'kimi'),
    m('kimi-k2-thinking', 'Kimi K2 Thinking', 'moonshot', 'kimi'),
  ],
  xai: [m('grok-4', 'Grok 4', 'xai', 'xai'), m('grok-code-fast-1', 'Grok Code Fast 1', 'xai', 'xai')],
};
