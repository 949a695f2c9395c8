/** Static vocabulary of the data set: model ids, client pools, providers, error bodies. */
import type { ProviderFamily } from './types';

export const FAMILIES: readonly ProviderFamily[] = ['codex', 'claude', 'gemini', 'openai-compatible'];
/** Account and traffic shares per family (docs/design.md, "The benchmark data set"). */
export const FAMILY_SHARES: readonly number[] = [0.6, 0.25, 0.1, 0.05];

export interface ModelSpec {
  /** Upstream model id (`model`). */
  id: string;
  /** What clients usually ask for (`alias`); = id when none. */
  alias: string;
  family: ProviderFamily;
  /** For openai-compatible models: the compat entry that serves it. */
  entry?: string;
  /** Whether the model thinks (reasoning tokens). */
  reasoning: boolean;
}

const m = (family: ProviderFamily, id: string, reasoning: boolean, alias = id, entry?: string): ModelSpec =>
  entry === undefined ? { id, alias, family, reasoning } : { id, alias, family, reasoning, entry };

/** 60 model ids, most popular first within each family. */
export const MODEL_CATALOG: readonly ModelSpec[] = [
  // codex (20)
  m('codex', 'gpt-5-codex', true),
  m('codex', 'gpt-5.1-codex', true),
  m('codex', 'gpt-5', true),
  m('codex', 'gpt-5.1-codex-max', true),
  m('codex', 'gpt-5.1', true),
  m('codex', 'gpt-5-codex-mini', true),
  m('codex', 'gpt-5.1-codex-mini', true),
  m('codex', 'gpt-5.2', true),
  m('codex', 'gpt-5.2-codex', true),
  m('codex', 'gpt-5-mini', true),
  m('codex', 'gpt-5-nano', true),
  m('codex', 'codex-mini-latest', true),
  m('codex', 'gpt-5-pro', true),
  m('codex', 'o3', true),
  m('codex', 'o4-mini', true),
  m('codex', 'gpt-4.1', false),
  m('codex', 'gpt-4.1-mini', false),
  m('codex', 'gpt-5-chat-latest', false),
  m('codex', 'gpt-4o', false),
  m('codex', 'gpt-image-1', false),
  // claude (14)
  m('claude', 'claude-sonnet-4-5-20250929', true, 'claude-sonnet-4-5'),
  m('claude', 'claude-opus-4-5-20251101', true, 'claude-opus-4-5'),
  m('claude', 'claude-haiku-4-5-20251001', true, 'claude-haiku-4-5'),
  m('claude', 'claude-opus-4-1-20250805', true, 'claude-opus-4-1'),
  m('claude', 'claude-sonnet-4-20250514', true, 'claude-sonnet-4-0'),
  m('claude', 'claude-opus-4-20250514', true, 'claude-opus-4-0'),
  m('claude', 'claude-3-7-sonnet-20250219', true, 'claude-3-7-sonnet-latest'),
  m('claude', 'claude-3-5-haiku-20241022', false, 'claude-3-5-haiku-latest'),
  m('claude', 'claude-3-5-sonnet-20241022', false),
  m('claude', 'claude-sonnet-4-5', true),
  m('claude', 'claude-opus-4-5', true),
  m('claude', 'claude-haiku-4-5', true),
  m('claude', 'claude-3-haiku-20240307', false),
  m('claude', 'claude-opus-4-1', true),
  // gemini (12)
  m('gemini', 'gemini-2.5-pro', true),
  m('gemini', 'gemini-2.5-flash', true),
  m('gemini', 'gemini-3-pro-preview', true),
  m('gemini', 'gemini-2.5-flash-lite', true),
  m('gemini', 'gemini-2.0-flash', false),
  m('gemini', 'gemini-flash-latest', true),
  m('gemini', 'gemini-flash-lite-latest', true),
  m('gemini', 'gemini-2.5-flash-image-preview', false),
  m('gemini', 'gemini-3-pro-image-preview', false),
  m('gemini', 'gemini-2.0-flash-lite', false),
  m('gemini', 'gemini-claude-sonnet-4-5-thinking', true),
  m('gemini', 'gemini-2.5-computer-use-preview-10-2025', true),
  // openai-compatible (14)
  m('openai-compatible', 'deepseek-chat', false, 'deepseek-v3', 'deepseek'),
  m('openai-compatible', 'moonshotai/kimi-k2-instruct', false, 'kimi-k2', 'openrouter'),
  m('openai-compatible', 'qwen/qwen3-coder', false, 'qwen3-coder', 'openrouter'),
  m('openai-compatible', 'deepseek-reasoner', true, 'deepseek-r1', 'deepseek'),
  m('openai-compatible', 'z-ai/glm-4.6', true, 'glm-4.6', 'openrouter'),
  m('openai-compatible', 'openai/gpt-oss-120b', true, 'gpt-oss-120b', 'groq'),
  m('openai-compatible', 'Qwen/Qwen3-235B-A22B-Instruct-2507', false, 'qwen3-235b', 'siliconflow'),
  m('openai-compatible', 'x-ai/grok-code-fast-1', true, 'grok-code-fast-1', 'openrouter'),
  m(
    'openai-compatible',
    'deepseek-ai/DeepSeek-V3.1-Terminus',
    false,
    'deepseek-ai/DeepSeek-V3.1-Terminus',
    'siliconflow',
  ),
  m('openai-compatible', 'llama-3.3-70b-versatile', false, 'llama-3.3-70b-versatile', 'groq'),
  m('openai-compatible', 'minimax/minimax-m2', true, 'minimax-m2', 'openrouter'),
  m(
    'openai-compatible',
    'moonshotai/Kimi-K2-Instruct-0905',
    false,
    'moonshotai/Kimi-K2-Instruct-0905',
    'siliconflow',
  ),
  m('openai-compatible', 'llama-3.1-8b-instant', false, 'llama-3.1-8b-instant', 'groq'),
  m('openai-compatible', 'mistralai/devstral-medium', false, 'devstral-medium', 'openrouter'),
];

/** openai-compatibility entries of the emulated CPA config: name → base URL and key style. */
export const COMPAT_ENTRIES: readonly {
  name: string;
  baseUrl: string;
  keyPrefix: string;
  keyLength: number;
}[] = [
  { name: 'openrouter', baseUrl: 'https://openrouter.ai/api/v1', keyPrefix: 'sk-or-v1-', keyLength: 64 },
  { name: 'deepseek', baseUrl: 'https://api.deepseek.com/v1', keyPrefix: 'sk-', keyLength: 32 },
  { name: 'siliconflow', baseUrl: 'https://api.siliconflow.cn/v1', keyPrefix: 'sk-', keyLength: 48 },
  { name: 'groq', baseUrl: 'https://api.groq.com/openai/v1', keyPrefix: 'gsk_', keyLength: 52 },
];

/** Endpoint (`"<METHOD> <gin route>"`) per client style. */
export const ENDPOINTS = {
  responses: 'POST /v1/responses',
  chat: 'POST /v1/chat/completions',
  messages: 'POST /v1/messages',
  geminiNative: 'POST /v1beta/models/*action',
} as const;

/** User agents of the CLIs, per family, newest first (later ones rarer). */
export const CLI_USER_AGENTS: Readonly<Record<ProviderFamily, readonly string[]>> = {
  codex: [
    'codex_cli_rs/0.63.0 (Mac OS 15.6.1; arm64) ghostty/1.2.3',
    'codex_cli_rs/0.63.0 (Ubuntu 24.4.0; x86_64) xterm-256color',
    'codex_cli_rs/0.58.0 (Mac OS 15.5.0; arm64) iTerm.app/3.6.1',
    'codex_cli_rs/0.50.0 (Windows 10.0.26100; x86_64) WindowsTerminal',
    'codex_vscode/0.4.46 (Mac OS 15.6.1; arm64) vscode/1.105.1',
    'codex_cli_rs/0.46.0 (Debian 12.0.0; x86_64) tmux/3.3a',
  ],
  claude: [
    'claude-cli/2.0.37 (external, cli)',
    'claude-cli/2.0.31 (external, cli)',
    'claude-cli/2.0.14 (external, cli)',
    'claude-cli/2.0.37 (external, sdk-ts)',
    'claude-cli/1.0.128 (external, cli)',
  ],
  gemini: [
    'GeminiCLI/0.15.0/gemini-2.5-pro (darwin; arm64)',
    'GeminiCLI/0.13.0/gemini-2.5-flash (linux; x64)',
    'google-genai-sdk/1.46.0 gl-python/3.12.3',
  ],
  'openai-compatible': ['OpenAI/Python 2.7.1', 'OpenAI/JS 6.8.1', 'opencode/0.15.31', 'Kilo-Code/4.110.0'],
};

/** Script and SDK clients that any key may use. */
export const SCRIPT_USER_AGENTS: readonly string[] = [
  'python-requests/2.32.3',
  'curl/8.5.0',
  'OpenAI/Python 2.7.1',
  'OpenAI/JS 6.8.1',
  'Go-http-client/2.0',
  'axios/1.12.2',
  'node',
  'curl/7.81.0',
  'python-httpx/0.28.1',
  'anthropic-sdk-python/0.71.0',
];

/** Small realistic pool of client addresses (private LAN, loopback, docker bridge, documentation ranges). */
export const CLIENT_IPS: readonly string[] = [
  '127.0.0.1',
  '::1',
  '10.0.0.7',
  '10.0.0.9',
  '10.0.1.23',
  '10.8.0.14',
  '192.168.1.20',
  '192.168.1.34',
  '192.168.31.105',
  '172.17.0.1',
  '172.18.0.5',
  '203.0.113.17',
  '203.0.113.88',
  '198.51.100.4',
  '198.51.100.201',
  '100.64.12.9',
  '2001:db8:85a3::8a2e:370:7334',
];

/** Addresses a reverse proxy reports in X-Forwarded-For. */
export const FORWARDED_IPS: readonly string[] = [
  '203.0.113.45',
  '198.51.100.77',
  '192.0.2.133',
  '203.0.113.9, 172.70.1.2',
  '198.51.100.23, 10.0.0.2',
];

export const FIRST_NAMES: readonly string[] = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'niaj',
  'olivia',
  'peggy',
  'rupert',
  'sybil',
  'trent',
  'victor',
  'walter',
  'wei',
  'li',
  'chen',
  'zhang',
  'yuki',
  'hiro',
  'sofia',
  'lucas',
  'mateo',
  'emma',
  'noah',
  'liam',
  'mia',
  'arjun',
  'priya',
  'omar',
  'fatima',
  'lena',
  'jonas',
  'anna',
  'ming',
  'jun',
  'xiao',
  'ravi',
  'sara',
  'tom',
  'kate',
  'ben',
  'nina',
];

export const LAST_NAMES: readonly string[] = [
  'smith',
  'jones',
  'wang',
  'li',
  'zhang',
  'liu',
  'chen',
  'yang',
  'huang',
  'zhao',
  'wu',
  'zhou',
  'garcia',
  'muller',
  'schmidt',
  'tanaka',
  'sato',
  'kim',
  'park',
  'nguyen',
  'silva',
  'rossi',
  'martin',
  'bernard',
  'khan',
  'patel',
  'singh',
  'novak',
  'ivanov',
  'costa',
  'lopez',
  'brown',
  'taylor',
  'wilson',
  'moore',
  'lee',
];

export const EMAIL_DOMAINS: readonly string[] = [
  'gmail.com',
  'gmail.com',
  'gmail.com',
  'outlook.com',
  'hotmail.com',
  'proton.me',
  'icloud.com',
  'qq.com',
  '163.com',
  'example.com',
  'example.org',
  'acme.dev',
  'yahoo.com',
  'foxmail.com',
];

export const CODEX_PLANS: readonly string[] = ['plus', 'plus', 'plus', 'pro', 'team', 'business', 'free'];

export const TEAM_WORDS: readonly string[] = [
  'infra',
  'web',
  'mobile',
  'data',
  'ml',
  'ops',
  'qa',
  'design',
  'growth',
  'search',
  'billing',
  'docs',
  'platform',
  'security',
  'research',
  'support',
  'bot',
  'ci',
  'eval',
  'agent',
];

const BUILTIN_FAMILY: Readonly<Record<string, ProviderFamily>> = {
  codex: 'codex',
  claude: 'claude',
  gemini: 'gemini',
  antigravity: 'gemini',
  vertex: 'gemini',
  aistudio: 'gemini',
  'gemini-cli': 'gemini',
  'gemini-interactions': 'gemini',
};

/** Family of a record's `provider` (anything not built in is an openai-compatibility entry). */
export function providerFamilyOf(provider: string): ProviderFamily {
  return BUILTIN_FAMILY[provider] ?? 'openai-compatible';
}
