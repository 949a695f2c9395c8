/**
 * CPA's client-facing model list (`GET /v1/models`, `GET /models`): OpenAI-style, authenticated with one of
 * the config's top-level `api-keys` (never the management key). Lists the models of the enabled auth files
 * and configured provider keys.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { MODEL_CATALOGUE } from './models';
import { listEntries, type FakeState, type JsonObject, type ProviderList } from './state';

export const CLIENT_MODEL_PATHS = new Set(['/v1/models', '/models']);

/** Fixed `created` stamp so answers are deterministic. */
const CREATED = 1_735_689_600; // 2025-01-01T00:00:00Z

const KEY_LISTS: ReadonlyArray<readonly [ProviderList, string]> = [
  ['gemini-api-key', 'gemini'],
  ['codex-api-key', 'codex'],
  ['claude-api-key', 'claude'],
  ['xai-api-key', 'xai'],
  ['vertex-api-key', 'vertex'],
];

/** The client key as CPA's access providers read it: Bearer, X-Api-Key, X-Goog-Api-Key, or ?key=. */
export function clientKey(headers: IncomingHttpHeaders, url: URL): string {
  const auth = headers.authorization ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(auth.trim());
  if (bearer?.[1]) return bearer[1].trim();
  const h = (name: string) => {
    const v = headers[name];
    return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
  };
  return h('x-api-key') || h('x-goog-api-key') || (url.searchParams.get('key') ?? '').trim();
}

export function clientModelsAnswer(
  state: FakeState,
  key: string,
): { status: number; body: JsonObject } {
  if (key === '') return { status: 401, body: { error: 'Missing API key' } };
  const keys = Array.isArray(state.config['api-keys']) ? state.config['api-keys'] : [];
  if (!keys.some((k) => typeof k === 'string' && k.trim() === key)) {
    return { status: 401, body: { error: 'Invalid API key' } };
  }
  const seen = new Map<string, JsonObject>();
  const add = (id: string, ownedBy: string) => {
    if (id !== '' && !seen.has(id)) seen.set(id, { id, object: 'model', created: CREATED, owned_by: ownedBy });
  };
  const types = new Set<string>();
  for (const rec of state.authFiles.values()) {
    const c = rec.file.content;
    if (c.disabled === true) continue;
    if (typeof c.type === 'string') types.add(c.type);
  }
  for (const [list, type] of KEY_LISTS) if (listEntries(state.config, list).length > 0) types.add(type);
  for (const type of [...types].sort()) {
    for (const m of MODEL_CATALOGUE[type] ?? []) add(m.id, m.owned_by ?? type);
  }
  for (const entry of listEntries(state.config, 'openai-compatibility')) {
    const name = typeof entry.name === 'string' ? entry.name : 'openai-compatibility';
    const models = Array.isArray(entry.models) ? entry.models : [];
    for (const m of models) {
      if (m === null || typeof m !== 'object' || Array.isArray(m)) continue;
      const id = typeof m.alias === 'string' && m.alias !== '' ? m.alias : typeof m.name === 'string' ? m.name : '';
      add(id, name);
    }
  }
  return { status: 200, body: { object: 'list', data: [...seen.values()] } };
}
