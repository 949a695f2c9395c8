// The Settings form's data: values read from config.yaml, validation, and the plan that writes the changed
// keys back (CPA's per-key routes where they exist, one PUT /config.yaml for the rest, comments kept).
import { SETTINGS, type SettingField } from './settings-schema';
import { dumpYaml, parseYaml } from './yaml-codec';
import { patchYaml } from './yaml-patch';

/** Form value of one key: a switch, or the text of its input (numbers, lines and YAML blocks are text). */
export type FormValue = boolean | string;
export type FormValues = Record<string, FormValue>;

const pathOf = (key: string): string[] => key.split('.');

/** The value at a key path of parsed YAML, or undefined when a part of the path is missing or not a mapping. */
function getIn(data: unknown, path: readonly string[]): unknown {
  let v = data;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
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
      return dumpYaml(v).trimEnd();
    default:
      return v === undefined || v === null ? '' : String(v);
  }
}

/** Parses config.yaml (null when it is empty); throws a YAMLException, with the line, when it is not valid YAML. */
export function parseConfig(text: string): unknown {
  return parseYaml(text);
}

export function readValues(config: unknown): FormValues {
  const out: FormValues = {};
  for (const s of SETTINGS) out[s.key] = formValue(s, getIn(config, pathOf(s.key)));
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
      try {
        parseYaml(v);
      } catch {
        errors[key] = 'yaml';
      }
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
      return text.trim() === '' ? undefined : parseYaml(text);
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

/**
 * config.yaml with the given keys set from the draft. Only the lines of those keys change: comments, blank lines
 * and the order and formatting of every other key are kept (yaml-patch.ts). A parent written as `streaming:`
 * (null) or as a scalar becomes a mapping.
 */
export function applyToYaml(text: string, draft: FormValues, keys: readonly string[]): string {
  let out = text;
  for (const key of keys) {
    const s = SETTINGS.find((x) => x.key === key);
    if (s) out = patchYaml(out, pathOf(key), yamlValue(s, draft[key]!));
  }
  return out;
}
