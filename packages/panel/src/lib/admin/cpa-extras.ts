import { z } from 'zod';
import { apiCall, getConfig } from '../api/cpa-api';
import { maskSecret } from '../util/format';
import type { CpaClient } from '../api/cpa-client';

// CPA management calls for the auth-file model rules, plugin config/store and provider key tests
// (docs/design.md, "Management routes"). CPA bodies are untrusted: loose schemas, wrong optional fields
// dropped.
type Sig = { signal?: AbortSignal };
const Ok = z.looseObject({});

// ---- OAuth model exclusions (provider → model patterns) and aliases (channel → {name, alias}) -------
const ExcludedSchema = z.looseObject({
  'oauth-excluded-models': z.record(z.string(), z.array(z.string()).catch([])).nullable().catch({}),
});
const AliasRule = z.looseObject({ name: z.string().catch(''), alias: z.string().catch(''), fork: z.boolean().optional().catch(undefined) });
export type ModelAliasRule = z.output<typeof AliasRule>;
const AliasSchema = z.looseObject({
  'oauth-model-alias': z.record(z.string(), z.array(AliasRule).catch([])).nullable().catch({}),
});

export const getExcludedModels = async (c: CpaClient, o: Sig = {}) =>
  (await c.json('GET', '/oauth-excluded-models', ExcludedSchema, o))['oauth-excluded-models'] ?? {};
export const setExcludedModels = (c: CpaClient, provider: string, models: string[]) =>
  models.length
    ? c.json('PATCH', '/oauth-excluded-models', Ok, { body: { provider, models } })
    : c.json('DELETE', '/oauth-excluded-models', Ok, { query: { provider } });
export const getModelAliases = async (c: CpaClient, o: Sig = {}) =>
  (await c.json('GET', '/oauth-model-alias', AliasSchema, o))['oauth-model-alias'] ?? {};
export const setModelAliases = (c: CpaClient, channel: string, aliases: ModelAliasRule[]) =>
  aliases.length
    ? c.json('PATCH', '/oauth-model-alias', Ok, { body: { channel, aliases } })
    : c.json('DELETE', '/oauth-model-alias', Ok, { query: { channel } });

/** One pattern per line or comma; blanks dropped, duplicates removed. */
export function parseModelList(text: string): string[] {
  return [...new Set(text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean))];
}
/** `upstream-name = alias` per line; returns the first bad line number (1-based) instead when one has no `=`. */
export function parseAliasLines(text: string): { ok: true; rules: ModelAliasRule[] } | { ok: false; line: number } {
  const rules: ModelAliasRule[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw) continue;
    const m = /^(.+?)\s*(?:=|->|→)\s*(.+)$/.exec(raw);
    if (!m) return { ok: false, line: i + 1 };
    rules.push({ name: m[1]!.trim(), alias: m[2]!.trim() });
  }
  return { ok: true, rules };
}
export const formatAliasLines = (rules: readonly ModelAliasRule[]) => rules.map((r) => `${r.name} = ${r.alias}`).join('\n');

// ---- plugins: config object and the plugin store -------------------------------------------------------
const StoreSchema = z.looseObject({
  plugins: z
    .array(z.looseObject({ id: z.string(), name: z.string().catch(''), description: z.string().catch(''), version: z.string().catch(''), author: z.string().catch(''), source_name: z.string().catch(''), installed: z.boolean().catch(false) }))
    .catch([]),
});
export type StorePlugin = z.output<typeof StoreSchema>['plugins'][number];

export const getPluginConfig = (c: CpaClient, id: string, o: Sig = {}) =>
  c.json('GET', `/plugins/${encodeURIComponent(id)}/config`, z.record(z.string(), z.unknown()), o);
export const putPluginConfig = (c: CpaClient, id: string, config: Record<string, unknown>) =>
  c.json('PUT', `/plugins/${encodeURIComponent(id)}/config`, Ok, { body: config });
export const listPluginStore = async (c: CpaClient, o: Sig = {}) => (await c.json('GET', '/plugin-store', StoreSchema, { ...o, timeoutMs: 30_000 })).plugins;
export const installPlugin = (c: CpaClient, id: string) =>
  c.json('POST', `/plugin-store/${encodeURIComponent(id)}/install`, z.looseObject({ restart_required: z.boolean().optional().catch(undefined) }), { body: {}, timeoutMs: 120_000 });

// ---- provider key test: CPA calls the provider's model list with the stored key (`$TOKEN$`) -------------
const MODELS_URL: Record<string, { url: string; header: Record<string, string> }> = {
  'gemini-api-key': { url: 'https://generativelanguage.googleapis.com/v1beta/models', header: { 'x-goog-api-key': '$TOKEN$' } },
  'interactions-api-key': { url: 'https://generativelanguage.googleapis.com/v1beta/models', header: { 'x-goog-api-key': '$TOKEN$' } },
  'codex-api-key': { url: 'https://api.openai.com/v1/models', header: { Authorization: 'Bearer $TOKEN$' } },
  'claude-api-key': { url: 'https://api.anthropic.com/v1/models', header: { 'x-api-key': '$TOKEN$', 'anthropic-version': '2023-06-01' } },
  'xai-api-key': { url: 'https://api.x.ai/v1/models', header: { Authorization: 'Bearer $TOKEN$' } },
  'openai-compatibility': { url: 'https://api.openai.com/v1/models', header: { Authorization: 'Bearer $TOKEN$' } },
};

/** The model-list request for a provider entry (its base URL wins over the default), or null when untestable. */
export function keyTestRequest(section: string, baseUrl: string | undefined): { url: string; header: Record<string, string> } | null {
  const d = MODELS_URL[section];
  if (!d) return null;
  if (!baseUrl) return section === 'openai-compatibility' ? null : d;
  const base = baseUrl.replace(/\/+$/, '');
  const path = section.startsWith('gemini') || section.startsWith('interactions') ? '/v1beta/models' : /\/v\d+[a-z]*$/.test(base) ? '/models' : '/v1/models';
  return { url: `${base}${path}`, header: d.header };
}

export interface KeyTestResult {
  ok: boolean;
  status: number;
  ms: number;
  models: number | null;
  message: string;
}

export async function testProviderKey(c: CpaClient, section: string, authIndex: string, baseUrl: string | undefined): Promise<KeyTestResult | null> {
  const req = keyTestRequest(section, baseUrl);
  if (!req) return null;
  const t0 = performance.now();
  const r = await apiCall(c, { authIndex, method: 'GET', url: req.url, header: req.header });
  const ms = Math.round(performance.now() - t0);
  const status = Number(r.status_code ?? 0);
  let models: number | null = null;
  let message = '';
  try {
    const body: unknown = typeof r.body === 'string' ? JSON.parse(r.body) : r.body;
    if (body && typeof body === 'object') {
      const o = body as Record<string, unknown>;
      const list = o['data'] ?? o['models'];
      if (Array.isArray(list)) models = list.length;
      const err = o['error'];
      if (err && typeof err === 'object' && typeof (err as Record<string, unknown>)['message'] === 'string') message = (err as Record<string, string>)['message']!;
      else if (typeof err === 'string') message = err;
    }
  } catch {
    message = typeof r.body === 'string' ? r.body.slice(0, 200) : '';
  }
  return { ok: status >= 200 && status < 300, status, ms, models, message };
}

// ---- client API keys from CPA's config, by the hash the collector stores -------------------------------
/**
 * sha256 of each `api-keys` entry → masked label, so keys without traffic can get an alias too. The key
 * stays in the browser. Empty when the page is not a secure context (no crypto.subtle on plain http).
 */
export async function configuredKeyHashes(c: CpaClient, o: Sig = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return out;
  const keys = (await getConfig(c, o))['api-keys'] ?? [];
  for (const k of keys) {
    const digest = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(k)));
    out.set([...digest].map((b) => b.toString(16).padStart(2, '0')).join(''), maskSecret(k));
  }
  return out;
}
