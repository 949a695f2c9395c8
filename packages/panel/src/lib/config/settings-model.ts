// The Settings form's data: values read from config.yaml, validation, and the plan that writes the changed
// keys back (CPA's per-key routes where they exist, one PUT /config.yaml for the rest, comments kept).
import { isMap, parseDocument, stringify, type Document } from 'yaml';
import { SETTINGS, type SettingField } from './settings-schema';

/** Form value of one key: a switch, or the text of its input (numbers, lines and YAML blocks are text). */
export type FormValue = boolean | string;
export type FormValues = Record<string, FormValue>;

const pathOf = (key: string): string[] => key.split('.');

function toJs(v: unknown): unknown {
  return v !== null && typeof v === 'object' && 'toJSON' in v ? (v as { toJSON(): unknown }).toJSON() : v;
}

function formValue(field: SettingField, raw: unknown): FormValue {
  const v = raw === undefined || raw === null ? field.def : raw;
  switch (field.kind) {
    case 'bool':
      return v === true;
    case 'secret':
      return ''; // never shown: CPA stores a hash; an empty field leaves it unchanged
    case 'lines':
      return Array.isArray(v) ? v.map(String).join('\n') : '';
    case 'block':
      if (v === undefined || v === null) return '';
      if ((Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v).length === 0)) return '';
      return stringify(v).trimEnd();
    default:
      return v === undefined || v === null ? '' : String(v);
  }
}

/** Parses config.yaml; CPA's file may hold several YAML errors CPA itself tolerates, so only fatal ones throw. */
export function parseConfig(text: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(doc.errors[0]!.message);
  return doc;
}

export function readValues(doc: Document): FormValues {
  const out: FormValues = {};
  for (const s of SETTINGS) out[s.key] = formValue(s, toJs(doc.getIn(pathOf(s.key))));
  return out;
}

/** The keys whose form value differs from what was loaded (a secret counts once something is typed). */
export function changedKeys(loaded: FormValues, draft: FormValues): string[] {
  return SETTINGS.filter((s) => (s.kind === 'secret' ? draft[s.key] !== '' : loaded[s.key] !== draft[s.key])).map(
    (s) => s.key,
  );
}

export type FieldError = 'int' | 'yaml';

/** Validation per key; an empty result means the draft can be saved. */
export function validate(draft: FormValues, keys: readonly string[]): Record<string, FieldError> {
  const errors: Record<string, FieldError> = {};
  for (const key of keys) {
    const s = SETTINGS.find((x) => x.key === key);
    const v = draft[key];
    if (!s || typeof v !== 'string') continue;
    if (s.kind === 'int' && !/^-?\d+$/.test(v.trim())) errors[key] = 'int';
    if (s.kind === 'block' && v.trim() !== '') {
      const d = parseDocument(v);
      if (d.errors.length) errors[key] = 'yaml';
    }
  }
  return errors;
}

/** The value a key gets in config.yaml (undefined: remove the key so CPA uses its default). */
export function yamlValue(s: SettingField, v: FormValue): unknown {
  if (s.kind === 'bool') return v === true;
  const text = typeof v === 'string' ? v : String(v);
  switch (s.kind) {
    case 'int':
      return Number.parseInt(text.trim(), 10);
    case 'lines':
      return text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
    case 'block':
      return text.trim() === '' ? undefined : toJs(parseDocument(text).contents);
    case 'enum':
      return text === 'true' ? true : text === 'false' ? false : text;
    default:
      return text;
  }
}

export interface EndpointWrite {
  key: string;
  method: 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
}

export interface SavePlan {
  endpoints: EndpointWrite[];
  /** Keys written through PUT /config.yaml (after the endpoint writes, on a freshly read file). */
  yamlKeys: string[];
}

export function planSave(draft: FormValues, keys: readonly string[]): SavePlan {
  const plan: SavePlan = { endpoints: [], yamlKeys: [] };
  for (const key of keys) {
    const s = SETTINGS.find((x) => x.key === key);
    if (!s) continue;
    if (!s.endpoint) {
      plan.yamlKeys.push(key);
      continue;
    }
    const value = yamlValue(s, draft[key]!);
    if (key === 'proxy-url' && value === '') plan.endpoints.push({ key, method: 'DELETE', path: s.endpoint });
    // PUT /api-keys takes the list itself, every other per-key route {"value": v}.
    else if (key === 'api-keys') plan.endpoints.push({ key, method: 'PUT', path: s.endpoint, body: value });
    else plan.endpoints.push({ key, method: 'PUT', path: s.endpoint, body: { value } });
  }
  return plan;
}

/** config.yaml with the given keys set from the draft; comments and the order of other keys are kept. */
export function applyToYaml(text: string, draft: FormValues, keys: readonly string[]): string {
  const doc = parseConfig(text);
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
  for (const key of keys) {
    const s = SETTINGS.find((x) => x.key === key);
    if (!s) continue;
    const value = yamlValue(s, draft[key]!);
    const path = pathOf(key);
    if (value === undefined) {
      doc.deleteIn(path);
      continue;
    }
    // A parent written as `streaming:` (null) or a scalar cannot take a child: make it a mapping first.
    for (let i = 1; i < path.length; i++) {
      const parent = doc.getIn(path.slice(0, i), true);
      if (parent !== undefined && !isMap(parent)) doc.setIn(path.slice(0, i), doc.createNode({}));
    }
    doc.setIn(path, value);
  }
  return doc.toString();
}
