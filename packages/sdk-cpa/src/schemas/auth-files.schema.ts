// OAuth credential files (auth-dir) as listed by GET /auth-files (snake_case `auth_index` here).
import { z } from 'zod';
import { NumberLikeSchema, RecentRequestBucketSchema } from './common.schema';

const TimeLike = z.union([z.string(), z.number()]).nullish();

export const AuthFileIdTokenSchema = z.looseObject({
  chatgpt_account_id: z.string().optional(),
  plan_type: z.string().optional(),
  chatgpt_subscription_active_start: TimeLike,
  chatgpt_subscription_active_until: TimeLike,
});

export const CpaAuthFileSchema = z.looseObject({
  name: z.string(),
  id: z.string().optional(),
  auth_index: z.string().optional(),
  type: z.string().optional(),
  provider: z.string().optional(),
  label: z.string().optional(),
  status: z.string().optional(),
  status_message: z.string().optional(),
  disabled: z.boolean().optional(),
  unavailable: z.boolean().optional(),
  runtime_only: z.boolean().optional(),
  source: z.string().optional(),
  size: z.number().optional(),
  success: z.number().optional(),
  failed: z.number().optional(),
  recent_requests: z.array(RecentRequestBucketSchema).nullish(),
  email: z.string().optional(),
  project_id: z.string().optional(),
  account_type: z.string().optional(),
  account: z.string().optional(),
  created_at: TimeLike,
  modtime: TimeLike,
  updated_at: TimeLike,
  last_refresh: TimeLike,
  next_retry_after: TimeLike,
  path: z.string().optional(),
  id_token: AuthFileIdTokenSchema.nullish(),
  priority: NumberLikeSchema.nullish(),
  note: z.string().optional(),
  weight: NumberLikeSchema.nullish(),
  websockets: z.boolean().optional(),
  request_retry: z.number().nullish(),
});
export type CpaAuthFile = z.output<typeof CpaAuthFileSchema>;

export const AuthFileListSchema = z.looseObject({ files: z.array(CpaAuthFileSchema).nullable() });

const FailedItemSchema = z.looseObject({ name: z.string(), error: z.string() });
export type CpaFailedItem = z.output<typeof FailedItemSchema>;

/** Multi-file upload: 200 all good, 207 some failed. */
export const AuthFileUploadResultSchema = z.looseObject({
  status: z.string().optional(),
  uploaded: z.number().optional(),
  files: z.array(z.string()).nullish(),
  failed: z.array(FailedItemSchema).nullish(),
});
export type CpaAuthFileUploadResult = z.output<typeof AuthFileUploadResultSchema>;

export const AuthFileDeleteResultSchema = z.looseObject({
  status: z.string().optional(),
  deleted: z.number().optional(),
  files: z.array(z.string()).nullish(),
  failed: z.array(FailedItemSchema).nullish(),
});
export type CpaAuthFileDeleteResult = z.output<typeof AuthFileDeleteResultSchema>;

export const AuthFileStatusResultSchema = z.looseObject({
  status: z.string().optional(),
  disabled: z.boolean().optional(),
});

export const AuthFileModelSchema = z.looseObject({
  id: z.string(),
  display_name: z.string().optional(),
  type: z.string().optional(),
  owned_by: z.string().optional(),
});
export type CpaAuthFileModel = z.output<typeof AuthFileModelSchema>;
export const AuthFileModelsSchema = z.looseObject({ models: z.array(AuthFileModelSchema).nullable() });

/** GET /model-definitions/:channel — CPA's static model catalogue for a provider channel. */
export const ModelDefinitionSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  display_name: z.string().optional(),
});
export type CpaModelDefinition = z.output<typeof ModelDefinitionSchema>;
export const ModelDefinitionsSchema = z.looseObject({
  channel: z.string().optional(),
  models: z.array(ModelDefinitionSchema).nullable(),
});
