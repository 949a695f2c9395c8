/** In-memory state of the fake CPA: config, auth files, logs, OAuth sessions, plugins. */
import { createHash, randomBytes } from 'node:crypto';
import { TrafficLog } from './traffic';
import type { FakeAuthFile } from './types';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function sha16(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 16);
}

/** CPA's default auth-dir (~/.cli-proxy-api) for root; part of every auth file's auth_index seed. */
export const FAKE_AUTH_DIR = '/root/.cli-proxy-api';

/** The auth_index CPA would derive for an auth file (first 8 bytes of sha256 of `<type>:<abs path>`). */
export function fakeAuthIndex(file: Pick<FakeAuthFile, 'name' | 'content' | 'authIndex'>): string {
  if (file.authIndex) return file.authIndex;
  const type = typeof file.content.type === 'string' ? file.content.type : 'unknown';
  return sha16(`${type}:${FAKE_AUTH_DIR}/${file.name}`);
}

/** auth-index of a config api-key credential (`<kind>:<base_url>+<key>`). */
export function configAuthIndex(kind: string, baseUrl: string, key: string): string {
  return sha16(`${kind}:${baseUrl}+${key}`);
}

export const PROVIDER_LISTS = [
  'gemini-api-key',
  'interactions-api-key',
  'codex-api-key',
  'claude-api-key',
  'xai-api-key',
  'vertex-api-key',
  'openai-compatibility',
] as const;
export type ProviderList = (typeof PROVIDER_LISTS)[number];

export function defaultConfig(
  usageEnabled: boolean,
  retentionSeconds: number,
  loggingToFile: boolean,
): JsonObject {
  return {
    tls: { enable: false, cert: '', key: '' },
    plugins: { enabled: false, dir: 'plugins' },
    debug: false,
    'commercial-mode': false,
    'logging-to-file': loggingToFile,
    'logs-max-total-size-mb': 0,
    'error-logs-max-files': 10,
    'usage-statistics-enabled': usageEnabled,
    'redis-usage-queue-retention-seconds': retentionSeconds,
    'disable-cooling': false,
    'request-retry': 3,
    'max-retry-credentials': 0,
    'max-retry-interval': 30,
    'quota-exceeded': { 'switch-project': true, 'switch-preview-model': true },
    routing: { strategy: 'round-robin' },
    'ws-auth': false,
    'proxy-url': '',
    'api-keys': ['sk-local-dev-1', 'sk-team-a-123'],
    'request-log': false,
    'force-model-prefix': false,
    'gemini-api-key': [{ 'api-key': 'AIzaSyFakeGeminiKey000001', 'base-url': '' }],
    'interactions-api-key': [],
    'codex-api-key': [{ 'api-key': 'sk-proj-fakecodex0001', 'base-url': 'https://api.openai.com/v1' }],
    'claude-api-key': [{ 'api-key': 'sk-ant-api03-fakeclaude0001', 'base-url': '' }],
    'xai-api-key': [],
    'vertex-api-key': [],
    'openai-compatibility': [
      {
        name: 'openrouter',
        'base-url': 'https://openrouter.ai/api/v1',
        'api-key-entries': [{ 'api-key': 'sk-or-v1-fake0001' }],
        models: [{ name: 'moonshotai/kimi-k2', alias: 'kimi-k2' }],
      },
    ],
    'oauth-excluded-models': { codex: ['gpt-5-nano'] },
    'oauth-model-alias': { claude: [{ name: 'claude-sonnet-4-5-20250929', alias: 'sonnet' }] },
  };
}

export interface AuthFileRecord {
  file: FakeAuthFile;
  createdAt: number;
  modAt: number;
  /** Operator fields patched via /auth-files/fields and status. */
  fields: JsonObject;
  status: string;
  statusMessage: string;
  unavailable: boolean;
  nextRetryAfter: string;
  success: number;
  failed: number;
}

export interface LogLine {
  ts: number; // unix seconds
  line: string;
}

export interface OAuthSession {
  /** Auth-file `type` a finished login writes (codex, claude, antigravity, xai, kimi). */
  provider: string;
  /** Provider name CPA registers the session under (anthropic for claude); /oauth-callback must match it. */
  sessionProvider: string;
  /** Device-code flow (kimi): no callback is ever read. */
  device: boolean;
  polls: number;
  result: { status: 'ok' } | { status: 'error'; error: string } | null;
}

/** An installed plugin (its file in plugins-dir); its settings live in FakeState.pluginConfigs. */
export interface PluginInfo {
  id: string;
  name: string;
  version: string;
  /** Pages the plugin adds (GET resource routes with a menu), served under /v0/resource/plugins/<id>/. */
  menus?: { path: string; menu: string; description?: string; html: string }[];
}

export class FakeState {
  config: JsonObject;
  /** Raw config.yaml text when last written via PUT /config.yaml (else generated from config). */
  yamlText: string | null = null;
  readonly authFiles = new Map<string, AuthFileRecord>();
  logs: LogLine[] = [];
  readonly errorLogs = new Map<string, { content: string; modified: number }>();
  readonly requestLogs = new Map<string, string>();
  readonly oauth = new Map<string, OAuthSession>();
  /** A re-login under test: the next finished OAuth login writes fresh tokens into this auth file. */
  reloginAs: { name: string; done: (authIndex: string) => void } | null = null;
  readonly plugins = new Map<string, PluginInfo>();
  /** `plugins.configs.<id>` of config.yaml: `enabled`, `priority` and the plugin's own keys, as one object. */
  readonly pluginConfigs = new Map<string, JsonObject>();
  readonly quotaResets: string[] = [];
  /** Per-auth_index request counters fed by enqueueUsage (/auth-files, /api-key-usage). */
  readonly traffic = new TrafficLog();

  constructor(
    private readonly now: () => number,
    usageEnabled: boolean,
    retentionSeconds: number,
    loggingToFile: boolean,
  ) {
    this.config = defaultConfig(usageEnabled, retentionSeconds, loggingToFile);
    const t = Math.floor(now() / 1000);
    this.logs = [
      { ts: t - 2, line: `[${fmtLogTime(t - 2)}] [info] [main.go:212] CLIProxyAPI starting (fake)` },
      { ts: t - 1, line: `[${fmtLogTime(t - 1)}] [info] [server.go:480] API server listening` },
    ];
    this.errorLogs.set('error-v1-chat-completions-2026-08-22T140640-77c0de12.log', {
      content: '=== REQUEST ===\nPOST /v1/chat/completions\n=== RESPONSE ===\n429 usage_limit_reached\n',
      modified: t - 60,
    });
    this.requestLogs.set(
      '77c0de12',
      'v1-chat-completions-2026-08-22T140640-77c0de12.log\n=== REQUEST ===\n...\n',
    );
    this.plugins.set('usage-exporter', { id: 'usage-exporter', name: 'Usage Exporter', version: '1.2.0' });
    this.pluginConfigs.set('usage-exporter', { enabled: true, endpoint: 'http://127.0.0.1:9000' });
  }

  putAuthFile(file: FakeAuthFile): AuthFileRecord {
    const now = this.now();
    const prev = this.authFiles.get(file.name);
    const disabled = file.content.disabled === true;
    const rec: AuthFileRecord = {
      file: { ...file, content: { ...file.content } },
      createdAt: prev?.createdAt ?? now,
      modAt: now,
      fields: prev?.fields ?? {},
      status: file.status ?? (disabled ? 'disabled' : 'active'),
      statusMessage: file.statusMessage ?? '',
      unavailable: file.unavailable ?? false,
      nextRetryAfter: file.nextRetryAfter ?? '',
      success: file.success ?? prev?.success ?? 0,
      failed: file.failed ?? prev?.failed ?? 0,
    };
    this.authFiles.set(file.name, rec);
    return rec;
  }

  findAuthByIndex(idx: string): AuthFileRecord | undefined {
    for (const rec of this.authFiles.values()) if (fakeAuthIndex(rec.file) === idx) return rec;
    return undefined;
  }

  newState(): string {
    return randomBytes(12).toString('hex');
  }

  /** Whether auth_index names a config api-key credential. */
  hasConfigAuthIndex(idx: string): boolean {
    for (const list of PROVIDER_LISTS) {
      for (const entry of listEntries(this.config, list)) {
        for (const ai of entryAuthIndexes(list, entry)) if (ai === idx) return true;
      }
    }
    return false;
  }
}

export function listEntries(config: JsonObject, list: ProviderList): JsonObject[] {
  const v = config[list];
  return Array.isArray(v)
    ? (v.filter((e) => e !== null && typeof e === 'object' && !Array.isArray(e)) as JsonObject[])
    : [];
}

function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}

export function entryAuthIndexes(list: ProviderList, entry: JsonObject): string[] {
  if (list === 'openai-compatibility') {
    const keys = Array.isArray(entry['api-key-entries']) ? (entry['api-key-entries'] as JsonObject[]) : [];
    return keys.map((k) =>
      configAuthIndex(`openai-compatibility:${str(entry.name)}`, str(entry['base-url']), str(k['api-key'])),
    );
  }
  return [configAuthIndex(list, str(entry['base-url']), str(entry['api-key']))];
}

/** A provider list as GET returns it: each entry (or api-key entry) gains a kebab-case `auth-index`. */
export function listWithAuthIndex(config: JsonObject, list: ProviderList): JsonObject[] {
  return listEntries(config, list).map((entry) => {
    const idx = entryAuthIndexes(list, entry);
    if (list === 'openai-compatibility') {
      const keys = Array.isArray(entry['api-key-entries']) ? (entry['api-key-entries'] as JsonObject[]) : [];
      return { ...entry, 'api-key-entries': keys.map((k, i) => ({ ...k, 'auth-index': idx[i] ?? '' })) };
    }
    return { ...entry, 'auth-index': idx[0] ?? '' };
  });
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function fmtLogTime(unix: number): string {
  const d = new Date(unix * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
