// Provider credential lists kept in CPA's config (kebab-case keys, `auth-index` per entry).
import { z } from 'zod';
import { NumberLikeSchema } from './common.schema';

export const ProviderModelSchema = z.looseObject({
  name: z.string().optional(),
  alias: z.string().optional(),
});

/** gemini / interactions / codex / claude / xai / vertex entries. */
export const ProviderKeySchema = z.looseObject({
  'api-key': z.string().optional(),
  'base-url': z.string().optional(),
  'proxy-url': z.string().optional(),
  prefix: z.string().optional(),
  headers: z.record(z.string(), z.string()).nullish(),
  'excluded-models': z.array(z.string()).nullish(),
  models: z.array(ProviderModelSchema).nullish(),
  weight: NumberLikeSchema.nullish(),
  disabled: z.boolean().optional(),
  'auth-index': z.string().optional(),
});
export type CpaProviderKey = z.output<typeof ProviderKeySchema>;

export const OpenAiCompatApiKeyEntrySchema = z.looseObject({
  'api-key': z.string().optional(),
  'proxy-url': z.string().optional(),
  'auth-index': z.string().optional(),
});

export const OpenAiCompatEntrySchema = z.looseObject({
  name: z.string().optional(),
  'base-url': z.string().optional(),
  prefix: z.string().optional(),
  disabled: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).nullish(),
  'api-key-entries': z.array(OpenAiCompatApiKeyEntrySchema).nullish(),
  models: z.array(ProviderModelSchema).nullish(),
});
export type CpaOpenAiCompatEntry = z.output<typeof OpenAiCompatEntrySchema>;

export function providerListSchema<S extends z.ZodType>(responseKey: string, entry: S) {
  return z.looseObject({ [responseKey]: z.array(entry).nullable() });
}

/** provider → excluded model patterns (wildcards allowed). */
export const OAuthExcludedModelsSchema = z.looseObject({
  'oauth-excluded-models': z.record(z.string(), z.array(z.string()).nullable()).nullable(),
});
export type CpaOAuthExcludedModels = Record<string, string[]>;

export const OAuthModelAliasEntrySchema = z.looseObject({
  name: z.string(),
  alias: z.string(),
  fork: z.boolean().optional(),
});
export type CpaOAuthModelAliasEntry = z.output<typeof OAuthModelAliasEntrySchema>;

export const OAuthModelAliasSchema = z.looseObject({
  'oauth-model-alias': z.record(z.string(), z.array(OAuthModelAliasEntrySchema).nullable()).nullable(),
});
export type CpaOAuthModelAlias = Record<string, CpaOAuthModelAliasEntry[]>;

/** Rule deciding how an upstream error is handled per request (status and/or body match → action). */
export const RequestScopedErrorRuleSchema = z.looseObject({
  status: z.number().optional(),
  match: z.array(z.string()).nullish(),
  'match-regexr': z.array(z.string()).nullish(),
  /** "stop" | "stop-and-cooldown" | "continue" | "continue-and-cooldown" */
  action: z.string().optional(),
});
export type CpaRequestScopedErrorRule = z.output<typeof RequestScopedErrorRuleSchema>;

export const OAuthRequestScopedErrorsSchema = z.looseObject({
  'oauth-request-scoped-errors': z
    .record(z.string(), z.array(RequestScopedErrorRuleSchema).nullable())
    .nullable(),
});
export type CpaOAuthRequestScopedErrors = Record<string, CpaRequestScopedErrorRule[]>;
