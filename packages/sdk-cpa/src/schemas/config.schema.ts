// GET /config, PUT /config.yaml and the scalar settings.
import { z } from 'zod';

/** The runtime config as JSON (kebab-case keys). Known keys are typed; everything else passes through. */
export const CpaConfigSchema = z.looseObject({
  debug: z.boolean().optional(),
  'proxy-url': z.string().optional(),
  'api-keys': z.array(z.string()).nullish(),
  'usage-statistics-enabled': z.boolean().optional(),
  'redis-usage-queue-retention-seconds': z.number().optional(),
  'logging-to-file': z.boolean().optional(),
  'logs-max-total-size-mb': z.number().optional(),
  'error-logs-max-files': z.number().optional(),
  'request-log': z.boolean().optional(),
  'request-retry': z.number().optional(),
  'max-retry-credentials': z.number().optional(),
  'max-retry-interval': z.number().optional(),
  'ws-auth': z.boolean().optional(),
  'force-model-prefix': z.boolean().optional(),
  routing: z.looseObject({ strategy: z.string().optional() }).nullish(),
  'quota-exceeded': z
    .looseObject({ 'switch-project': z.boolean().optional(), 'switch-preview-model': z.boolean().optional() })
    .nullish(),
});
export type CpaConfig = z.output<typeof CpaConfigSchema>;

export const PutConfigYamlResultSchema = z.looseObject({
  ok: z.boolean().optional(),
  changed: z.array(z.string()).nullish(),
});
export type CpaPutConfigYamlResult = z.output<typeof PutConfigYamlResultSchema>;

/** Scalar settings served at /v0/management/<key>, with their value types. */
export interface CpaSettingTypes {
  debug: boolean;
  'logging-to-file': boolean;
  'logs-max-total-size-mb': number;
  'error-logs-max-files': number;
  'usage-statistics-enabled': boolean;
  'proxy-url': string;
  'request-log': boolean;
  'ws-auth': boolean;
  'request-retry': number;
  'max-retry-credentials': number;
  'max-retry-interval': number;
  'force-model-prefix': boolean;
  'routing/strategy': string;
  'quota-exceeded/switch-project': boolean;
  'quota-exceeded/switch-preview-model': boolean;
}
export type CpaSettingKey = keyof CpaSettingTypes;

const kinds: { [K in CpaSettingKey]: 'boolean' | 'number' | 'string' } = {
  debug: 'boolean',
  'logging-to-file': 'boolean',
  'logs-max-total-size-mb': 'number',
  'error-logs-max-files': 'number',
  'usage-statistics-enabled': 'boolean',
  'proxy-url': 'string',
  'request-log': 'boolean',
  'ws-auth': 'boolean',
  'request-retry': 'number',
  'max-retry-credentials': 'number',
  'max-retry-interval': 'number',
  'force-model-prefix': 'boolean',
  'routing/strategy': 'string',
  'quota-exceeded/switch-project': 'boolean',
  'quota-exceeded/switch-preview-model': 'boolean',
};

export const CPA_SETTING_KEYS = Object.keys(kinds) as CpaSettingKey[];

/** The JSON key CPA answers with: the last path segment ("routing/strategy" → "strategy"). */
export function settingResponseKey(key: CpaSettingKey): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** `{"<key>": value}` for one setting. */
export function settingSchema<K extends CpaSettingKey>(
  key: K,
): z.ZodType<Record<string, CpaSettingTypes[K]>> {
  const kind = kinds[key];
  const value = kind === 'boolean' ? z.boolean() : kind === 'number' ? z.number() : z.string();
  return z.looseObject({ [settingResponseKey(key)]: value }) as unknown as z.ZodType<
    Record<string, CpaSettingTypes[K]>
  >;
}

export function isSettingKey(key: string): key is CpaSettingKey {
  return Object.prototype.hasOwnProperty.call(kinds, key);
}
