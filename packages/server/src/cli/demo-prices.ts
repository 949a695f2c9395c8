// Model prices for `cpamp demo`, in the shape of LiteLLM's model_prices_and_context_window.json, so the demo
// goes through the same sync path as a real price file. USD per 1M tokens, rounded list prices of late
// 2025; the demo needs plausible costs, not an authoritative price list (sync the real file for that).
// Every model of the testkit generator's catalog has an entry (a test checks it).

type Rates = readonly [input: number, output: number, cacheRead?: number, cacheCreation?: number];

const PER_MILLION: Record<string, Rates> = {
  'gpt-5-codex': [1.25, 10, 0.125],
  'gpt-5.1-codex': [1.25, 10, 0.125],
  'gpt-5': [1.25, 10, 0.125],
  'gpt-5.1-codex-max': [1.25, 10, 0.125],
  'gpt-5.1': [1.25, 10, 0.125],
  'gpt-5-codex-mini': [0.25, 2, 0.025],
  'gpt-5.1-codex-mini': [0.25, 2, 0.025],
  'gpt-5.2': [1.75, 14, 0.175],
  'gpt-5.2-codex': [1.75, 14, 0.175],
  'gpt-5-mini': [0.25, 2, 0.025],
  'gpt-5-nano': [0.05, 0.4, 0.005],
  'codex-mini-latest': [1.5, 6, 0.375],
  'gpt-5-pro': [15, 120],
  o3: [2, 8, 0.5],
  'o4-mini': [1.1, 4.4, 0.275],
  'gpt-4.1': [2, 8, 0.5],
  'gpt-4.1-mini': [0.4, 1.6, 0.1],
  'gpt-5-chat-latest': [1.25, 10, 0.125],
  'gpt-4o': [2.5, 10, 1.25],
  'gpt-image-1': [5, 40, 1.25],
  'claude-sonnet-4-5-20250929': [3, 15, 0.3, 3.75],
  'claude-opus-4-5-20251101': [5, 25, 0.5, 6.25],
  'claude-haiku-4-5-20251001': [1, 5, 0.1, 1.25],
  'claude-opus-4-1-20250805': [15, 75, 1.5, 18.75],
  'claude-sonnet-4-20250514': [3, 15, 0.3, 3.75],
  'claude-opus-4-20250514': [15, 75, 1.5, 18.75],
  'claude-3-7-sonnet-20250219': [3, 15, 0.3, 3.75],
  'claude-3-5-haiku-20241022': [0.8, 4, 0.08, 1],
  'claude-3-5-sonnet-20241022': [3, 15, 0.3, 3.75],
  'claude-sonnet-4-5': [3, 15, 0.3, 3.75],
  'claude-opus-4-5': [5, 25, 0.5, 6.25],
  'claude-haiku-4-5': [1, 5, 0.1, 1.25],
  'claude-3-haiku-20240307': [0.25, 1.25, 0.03, 0.3],
  'claude-opus-4-1': [15, 75, 1.5, 18.75],
  'gemini-2.5-pro': [1.25, 10, 0.31],
  'gemini-2.5-flash': [0.3, 2.5, 0.075],
  'gemini-3-pro-preview': [2, 12, 0.2],
  'gemini-2.5-flash-lite': [0.1, 0.4, 0.025],
  'gemini-2.0-flash': [0.1, 0.4, 0.025],
  'gemini-flash-latest': [0.3, 2.5, 0.075],
  'gemini-flash-lite-latest': [0.1, 0.4, 0.025],
  'gemini-2.5-flash-image-preview': [0.3, 30, 0.075],
  'gemini-3-pro-image-preview': [2, 120, 0.2],
  'gemini-2.0-flash-lite': [0.075, 0.3],
  'gemini-claude-sonnet-4-5-thinking': [3, 15, 0.3, 3.75],
  'gemini-2.5-computer-use-preview-10-2025': [1.25, 10],
  'deepseek-chat': [0.28, 0.42, 0.028],
  'moonshotai/kimi-k2-instruct': [0.6, 2.5, 0.15],
  'qwen/qwen3-coder': [0.22, 0.95],
  'deepseek-reasoner': [0.28, 0.42, 0.028],
  'z-ai/glm-4.6': [0.6, 2.2, 0.11],
  'openai/gpt-oss-120b': [0.15, 0.6],
  'Qwen/Qwen3-235B-A22B-Instruct-2507': [0.13, 0.6],
  'x-ai/grok-code-fast-1': [0.2, 1.5, 0.02],
  'deepseek-ai/DeepSeek-V3.1-Terminus': [0.27, 1],
  'llama-3.3-70b-versatile': [0.59, 0.79],
  'minimax/minimax-m2': [0.3, 1.2, 0.03],
  'moonshotai/Kimi-K2-Instruct-0905': [0.6, 2.5, 0.15],
  'llama-3.1-8b-instant': [0.05, 0.08],
  'mistralai/devstral-medium': [0.4, 2],
};

/** The demo's price file: `{ <model>: { input_cost_per_token, output_cost_per_token, … } }` (USD per token). */
export function demoPriceFile(): Record<string, Record<string, number | string>> {
  const perToken = (v: number) => Math.round(v * 1e6) / 1e12;
  const out: Record<string, Record<string, number | string>> = {};
  for (const [model, [input, output, cacheRead, cacheCreation]] of Object.entries(PER_MILLION)) {
    out[model] = {
      mode: 'chat',
      input_cost_per_token: perToken(input),
      output_cost_per_token: perToken(output),
      ...(cacheRead !== undefined ? { cache_read_input_token_cost: perToken(cacheRead) } : {}),
      ...(cacheCreation !== undefined ? { cache_creation_input_token_cost: perToken(cacheCreation) } : {}),
    };
  }
  return out;
}
