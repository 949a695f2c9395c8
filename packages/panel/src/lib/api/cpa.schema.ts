import { z } from 'zod';

// CPA responses are untrusted and drift between versions: known fields are typed, a wrong type on an
// optional field drops that field instead of failing the whole page, unknown fields pass through.
const optStr = z.string().optional().catch(undefined);
const optNum = z.number().optional().catch(undefined);
const optBool = z.boolean().optional().catch(undefined);
const looseNumOrStr = z.union([z.number(), z.string()]).optional().catch(undefined);

export const ConfigSchema = z.looseObject({
  debug: optBool,
  'request-log': optBool,
  'logging-to-file': optBool,
  'usage-statistics-enabled': optBool,
  'proxy-url': optStr,
  'request-retry': optNum,
  'api-keys': z.array(z.string()).optional().catch(undefined),
  routing: z.looseObject({ strategy: optStr }).optional().catch(undefined),
});
export type CpaConfig = z.output<typeof ConfigSchema>;

export const RecentBucketSchema = z.looseObject({
  time: optStr,
  success: z.number().catch(0),
  failed: z.number().catch(0),
});
export type RecentBucket = z.output<typeof RecentBucketSchema>;

export const AuthFileSchema = z.looseObject({
  name: z.string(),
  id: optStr,
  auth_index: looseNumOrStr.transform((v) => (v === undefined ? undefined : String(v))),
  type: optStr,
  provider: optStr,
  label: optStr,
  status: optStr,
  status_message: optStr,
  disabled: optBool,
  unavailable: optBool,
  runtime_only: optBool,
  source: optStr,
  size: optNum,
  success: optNum,
  failed: optNum,
  recent_requests: z.array(RecentBucketSchema).optional().catch(undefined),
  email: optStr,
  account: optStr,
  project_id: optStr,
  account_type: optStr,
  modtime: looseNumOrStr,
  updated_at: looseNumOrStr,
  last_refresh: looseNumOrStr,
  next_retry_after: looseNumOrStr,
  priority: looseNumOrStr,
  note: optStr,
  plan_type: optStr,
  id_token: z
    .looseObject({ chatgpt_account_id: optStr, plan_type: optStr, chatgpt_plan_type: optStr })
    .optional()
    .catch(undefined),
});
export type AuthFile = z.output<typeof AuthFileSchema>;
export const AuthFilesSchema = z.looseObject({ files: z.array(AuthFileSchema).catch([]) });

export const StatusOkSchema = z.looseObject({ status: optStr, ok: optBool });

export const UploadResultSchema = z.looseObject({
  status: optStr,
  uploaded: optNum,
  failed: z.array(z.looseObject({ name: optStr, error: optStr })).optional().catch(undefined),
});

export const LatestVersionSchema = z.looseObject({ 'latest-version': optStr });

export const LogsSchema = z.looseObject({
  lines: z.array(z.string()).catch([]),
  'line-count': optNum,
  'latest-timestamp': optNum,
  'next-cursor': optStr,
  'cursor-reset': optBool,
});
export type LogsPage = z.output<typeof LogsSchema>;

export const ErrorLogFilesSchema = z.looseObject({
  files: z
    .array(z.looseObject({ name: z.string(), size: optNum, modified: looseNumOrStr }))
    .catch([]),
});
export type ErrorLogFile = z.output<typeof ErrorLogFilesSchema>['files'][number];

const PluginMetaSchema = z.looseObject({ name: optStr, version: optStr, description: optStr, author: optStr });
// Name/version sit either at the top level or under `metadata`, depending on the CPA version.
const PluginSchema = z
  .looseObject({
    id: optStr,
    name: optStr,
    version: optStr,
    description: optStr,
    enabled: optBool,
    effective_enabled: optBool,
    metadata: PluginMetaSchema.optional().catch(undefined),
  })
  .transform((p) => ({
    id: p.id ?? p.name ?? '',
    name: p.name ?? p.metadata?.name ?? p.id ?? '',
    version: p.version ?? p.metadata?.version,
    description: p.description ?? p.metadata?.description,
    enabled: p.enabled ?? p.effective_enabled ?? false,
  }));
export type Plugin = z.output<typeof PluginSchema>;
// Either {"plugins":[...]} or a bare array, depending on the CPA version.
export const PluginsSchema = z.union([
  z.array(PluginSchema),
  z.looseObject({ plugins: z.array(PluginSchema).catch([]) }).transform((o) => o.plugins),
]);

export const ModelsSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), owned_by: optStr, object: optStr })).catch([]),
});

export const AuthUrlSchema = z.looseObject({ status: optStr, url: optStr, state: optStr, flow: optStr, error: optStr });
export const AuthStatusSchema = z.looseObject({ status: z.string().catch('unknown'), error: optStr });

export const ApiCallSchema = z.looseObject({
  status_code: z.number().catch(0),
  header: z.record(z.string(), z.unknown()).optional().catch(undefined),
  body: z.union([z.string(), z.unknown()]).optional(),
});
export type ApiCallResult = z.output<typeof ApiCallSchema>;

/** One provider key entry from the config-list endpoints (kebab-case keys, `auth-index`). */
export const ProviderEntrySchema = z.looseObject({
  'api-key': optStr,
  'base-url': optStr,
  'proxy-url': optStr,
  prefix: optStr,
  name: optStr,
  priority: looseNumOrStr,
  'auth-index': looseNumOrStr,
  'api-key-entries': z
    .array(z.looseObject({ 'api-key': optStr, 'proxy-url': optStr, 'auth-index': looseNumOrStr }))
    .optional()
    .catch(undefined),
  models: z.array(z.looseObject({ name: optStr, alias: optStr })).optional().catch(undefined),
});
export type ProviderEntry = z.output<typeof ProviderEntrySchema>;
