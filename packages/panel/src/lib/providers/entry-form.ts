// The provider entry editor's data: one entry of a CPA provider list (gemini-api-key, codex-api-key, …) as
// form fields, and back. Fields without their own input stay in an "other fields" YAML block, so every field
// CPA returns round-trips, including ones a newer CPA adds.
import { dumpYaml, parseYaml } from '../config/yaml-codec';

export type Entry = Record<string, unknown>;

export interface ModelRow {
  name: string;
  alias: string;
  /** The model's other fields (display-name, thinking, …), kept as they were. */
  rest: Record<string, unknown>;
}

export interface EntryDraft {
  name: string;
  /** A new key; empty keeps the stored one (CPA's keys are not shown again). */
  apiKey: string;
  /** openai-compatibility: new keys, one per line; empty keeps the stored api-key-entries. */
  apiKeys: string;
  baseUrl: string;
  proxyUrl: string;
  prefix: string;
  weight: string;
  priority: string;
  requestRetry: string;
  /** '' inherits CPA's global disable-cooling. */
  disableCooling: '' | 'true' | 'false';
  disabled: boolean;
  /** "Name: value" per line. */
  headers: string;
  /** One model name or pattern per line. */
  excluded: string;
  models: ModelRow[];
  other: string;
}

/** Keys the form has inputs for; everything else goes to the "other fields" block. */
const FORM_KEYS = new Set([
  'api-key',
  'api-key-entries',
  'name',
  'base-url',
  'proxy-url',
  'prefix',
  'weight',
  'priority',
  'request-retry',
  'disable-cooling',
  'disabled',
  'headers',
  'excluded-models',
  'models',
  'auth-index',
]);

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function toDraft(e: Entry | undefined): EntryDraft {
  const entry = e ?? {};
  const other: Entry = {};
  for (const [k, v] of Object.entries(entry)) if (!FORM_KEYS.has(k)) other[k] = v;
  const headers = isRecord(entry['headers']) ? entry['headers'] : {};
  const models = Array.isArray(entry['models']) ? entry['models'] : [];
  return {
    name: str(entry['name']),
    apiKey: '',
    apiKeys: '',
    baseUrl: str(entry['base-url']),
    proxyUrl: str(entry['proxy-url']),
    prefix: str(entry['prefix']),
    weight: str(entry['weight']),
    priority: str(entry['priority']),
    requestRetry: str(entry['request-retry']),
    disableCooling: entry['disable-cooling'] === true ? 'true' : entry['disable-cooling'] === false ? 'false' : '',
    disabled: entry['disabled'] === true,
    headers: Object.entries(headers)
      .map(([k, v]) => `${k}: ${str(v)}`)
      .join('\n'),
    excluded: Array.isArray(entry['excluded-models']) ? entry['excluded-models'].map(str).join('\n') : '',
    models: models.filter(isRecord).map((m) => {
      const { name, alias, ...rest } = m;
      return { name: str(name), alias: str(alias), rest };
    }),
    other: Object.keys(other).length ? dumpYaml(other).trimEnd() : '',
  };
}

export type DraftError = 'key' | 'name' | 'int' | 'header' | 'yaml';

const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** The entry to store, or the first problem of the draft. `prev` supplies the stored keys. */
export function fromDraft(section: string, d: EntryDraft, prev: Entry | undefined): Entry | { error: DraftError; field: string } {
  let out: Entry = {};
  if (d.other.trim()) {
    let v: unknown;
    try {
      v = parseYaml(d.other);
    } catch {
      return { error: 'yaml', field: 'other' };
    }
    if (!isRecord(v)) return { error: 'yaml', field: 'other' };
    out = { ...v };
  }
  const openai = section === 'openai-compatibility';
  if (openai) {
    if (!d.name.trim()) return { error: 'name', field: 'name' };
    out['name'] = d.name.trim();
    const keys = lines(d.apiKeys);
    out['api-key-entries'] = keys.length ? keys.map((k) => ({ 'api-key': k })) : (prev?.['api-key-entries'] ?? []);
    if (d.disabled) out['disabled'] = true;
  } else {
    const key = d.apiKey.trim() || str(prev?.['api-key']);
    if (!key) return { error: 'key', field: 'api-key' };
    out['api-key'] = key;
  }
  const text = (k: string, v: string) => {
    if (v.trim()) out[k] = v.trim();
  };
  text('base-url', d.baseUrl);
  if (!openai) text('proxy-url', d.proxyUrl);
  text('prefix', d.prefix);
  for (const [k, v] of [
    ['weight', d.weight],
    ['priority', d.priority],
    ['request-retry', d.requestRetry],
  ] as const) {
    if (!v.trim()) continue;
    if (!/^-?\d+$/.test(v.trim())) return { error: 'int', field: k };
    out[k] = Number.parseInt(v.trim(), 10);
  }
  if (d.disableCooling) out['disable-cooling'] = d.disableCooling === 'true';
  const headers: Record<string, string> = {};
  for (const l of lines(d.headers)) {
    const i = l.indexOf(':');
    if (i <= 0) return { error: 'header', field: 'headers' };
    headers[l.slice(0, i).trim()] = l.slice(i + 1).trim();
  }
  if (Object.keys(headers).length) out['headers'] = headers;
  const excluded = lines(d.excluded);
  if (excluded.length && section !== 'openai-compatibility') out['excluded-models'] = excluded;
  const models = d.models
    .filter((m) => m.name.trim())
    .map((m) => ({ ...m.rest, name: m.name.trim(), ...(m.alias.trim() ? { alias: m.alias.trim() } : {}) }));
  if (models.length) out['models'] = models;
  return out;
}

/** Model ids out of a provider's model-list answer (OpenAI `data[].id`, Gemini `models[].name`, Claude `data[].id`). */
export function modelIds(body: unknown): string[] {
  let v = body;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return [];
    }
  }
  if (!isRecord(v)) return [];
  const list = Array.isArray(v['data']) ? v['data'] : Array.isArray(v['models']) ? v['models'] : [];
  const ids = list
    .map((m: unknown) => (isRecord(m) ? str(m['id'] ?? m['name']) : str(m)))
    .map((id: string) => id.replace(/^models\//, ''))
    .filter((id: string) => id !== '');
  return [...new Set(ids)];
}
