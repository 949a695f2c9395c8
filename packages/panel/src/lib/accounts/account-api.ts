// The CPA auth-file calls the Accounts page makes beyond cpa-api.ts: one file's entry and its fields
// (priority, weight, note, prefix, proxy, excluded models, model aliases — PATCH /auth-files/fields).
import { z } from 'zod';
import { AuthFilesSchema } from '../api/cpa.schema';
import type { CpaClient } from '../api/cpa-client';

const Ok = z.looseObject({ status: z.string().optional() });

export interface AccountFields {
  priority?: number;
  weight?: number;
  note?: string;
  prefix?: string;
  proxy_url?: string;
  excluded_models?: string[];
  model_aliases?: { name: string; alias: string }[];
}

export async function getAuthFile(c: CpaClient, name: string, o: { signal?: AbortSignal } = {}) {
  const { files } = await c.json('GET', '/auth-files', AuthFilesSchema, { ...o, query: { name } });
  return files.find((f) => f.name === name) ?? null;
}

export const patchAuthFileFields = (c: CpaClient, name: string, fields: AccountFields) =>
  c.json('PATCH', '/auth-files/fields', Ok, { body: { name, ...fields } });

/** The OAuth route of a provider for a re-login (`/{path}-auth-url`), or null when it has none. */
export function oauthPathOf(provider: string): string | null {
  const p = provider.toLowerCase();
  if (p === 'codex' || p === 'openai') return 'codex';
  if (p === 'claude' || p === 'anthropic') return 'anthropic';
  if (p === 'antigravity') return 'antigravity';
  if (p === 'xai' || p === 'grok') return 'xai';
  if (p === 'kimi') return 'kimi';
  return null;
}

/** "a, b" → ['a', 'b']; "from=to" lines → aliases (CPA's model_aliases: name = upstream model, alias = what clients ask). */
export const parseList = (s: string): string[] => s.split(/[,\n]/).map((x) => x.trim()).filter(Boolean);
export function parseAliases(s: string): { name: string; alias: string }[] {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [name = '', alias = ''] = l.split('=').map((x) => x.trim());
      return { name, alias };
    })
    .filter((a) => a.name && a.alias);
}
export const formatAliases = (v: unknown): string =>
  Array.isArray(v) ? v.map((a) => (a && typeof a === 'object' ? `${String((a as { name?: unknown }).name ?? '')}=${String((a as { alias?: unknown }).alias ?? '')}` : '')).filter((l) => l !== '=').join('\n') : '';
