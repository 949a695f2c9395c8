// The pool policy: defaults from the server config (Plus's env keys), overridden by what the admin saved,
// except where an env variable is set — such a field is locked (409 setting_locked on change), as in Plus.
import { z } from 'zod';
import type { Config } from '../config';

export interface PoolPolicy {
  autoDisableOnExhaustion: boolean;
  autoRestoreAtReset: boolean;
  authIssueQueue: boolean;
  autoDisableAuthIssues: boolean;
  dryRun: boolean;
  /** 0 = no scheduled inspection. */
  inspectionIntervalMinutes: number;
  inspectionConcurrency: number;
  inspectionProviders: string[];
  /** 'interval' runs every inspectionIntervalMinutes; 'time-points' at each HH:MM of inspectionTimePoints in inspectionTimeZone. */
  inspectionSchedule: 'interval' | 'time-points';
  inspectionTimePoints: string[];
  /** An IANA zone ('UTC', 'Asia/Shanghai'). */
  inspectionTimeZone: string;
  /** An answer whose fullest window is at or above this used % counts as exhausted (Plus: 100). */
  inspectionUsedPercentThreshold: number;
  /** Probe at most this many accounts per run, least recently inspected first (0 = all). */
  inspectionSampleSize: number;
  /** Extra attempts after a failed probe (transport errors, 5xx, generic 429). */
  inspectionRetries: number;
  inspectionTimeoutMs: number;
  /** Replaces the probe's User-Agent when set ('' = each provider's own). */
  inspectionUserAgent: string;
  /** What a run does with an account it finds banned: disable it, delete its auth file, or only suggest. */
  inspectionAutoAction: 'disable' | 'delete' | 'none';
  /** xAI: also send one tiny completion (billing alone misses free-usage and permission failures). */
  xaiInferenceProbe: boolean;
}

export const INSPECTION_DEFAULTS = {
  inspectionSchedule: 'interval',
  inspectionTimePoints: [],
  inspectionTimeZone: 'UTC',
  inspectionUsedPercentThreshold: 100,
  inspectionSampleSize: 0,
  inspectionRetries: 0,
  inspectionTimeoutMs: 15_000,
  inspectionUserAgent: '',
  inspectionAutoAction: 'none',
  xaiInferenceProbe: false,
} as const satisfies Partial<PoolPolicy>;

const validZone = (z: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: z });
    return true;
  } catch {
    return false;
  }
};

export const PoolPolicyPatchSchema = z
  .object({
    autoDisableOnExhaustion: z.boolean(),
    autoRestoreAtReset: z.boolean(),
    authIssueQueue: z.boolean(),
    autoDisableAuthIssues: z.boolean(),
    dryRun: z.boolean(),
    inspectionIntervalMinutes: z.number().int().min(0).max(10_080),
    inspectionConcurrency: z.number().int().min(1).max(64),
    inspectionProviders: z.array(z.string().trim().min(1).max(40)).max(20),
    inspectionSchedule: z.enum(['interval', 'time-points']),
    inspectionTimePoints: z.array(z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM')).max(48),
    inspectionTimeZone: z.string().min(1).max(64).refine(validZone, 'unknown time zone'),
    inspectionUsedPercentThreshold: z.number().min(1).max(100),
    inspectionSampleSize: z.number().int().min(0).max(100_000),
    inspectionRetries: z.number().int().min(0).max(5),
    inspectionTimeoutMs: z.number().int().min(1_000).max(120_000),
    inspectionUserAgent: z.string().max(300),
    inspectionAutoAction: z.enum(['disable', 'delete', 'none']),
    xaiInferenceProbe: z.boolean(),
  })
  .partial()
  .strict();
export type PoolPolicyPatch = z.infer<typeof PoolPolicyPatchSchema>;

/** Policy field → the env variable that locks it (Plus's names for the toggles Plus has, CPAMP_POOL_* for the rest). */
const ENV_FIELDS: Partial<Record<keyof PoolPolicy, string>> = {
  autoDisableOnExhaustion: 'USAGE_QUOTA_COOLDOWN_ENABLED',
  autoRestoreAtReset: 'CPAMP_POOL_AUTO_RESTORE',
  authIssueQueue: 'USAGE_ACCOUNT_ACTIONS_ENABLED',
  autoDisableAuthIssues: 'USAGE_ACCOUNT_ACTIONS_AUTO_DISABLE',
  dryRun: 'CPAMP_POOL_DRY_RUN',
  inspectionIntervalMinutes: 'CPAMP_POOL_INSPECTION_INTERVAL_MINUTES',
  inspectionConcurrency: 'CPAMP_POOL_INSPECTION_CONCURRENCY',
  inspectionProviders: 'CPAMP_POOL_INSPECTION_PROVIDERS',
};

export function policyDefaults(automation: Config['automation']): PoolPolicy {
  return {
    autoDisableOnExhaustion: automation.quotaCooldownEnabled,
    // Plus's quota cooldown always recovers what it disabled: on unless CPAMP_POOL_AUTO_RESTORE=false or the admin turns it off.
    autoRestoreAtReset: automation.poolAutoRestore,
    authIssueQueue: automation.accountActionsEnabled,
    autoDisableAuthIssues: automation.accountActionsAutoDisable,
    dryRun: automation.poolDryRun,
    inspectionIntervalMinutes: automation.poolInspectionIntervalMinutes,
    inspectionConcurrency: automation.poolInspectionConcurrency,
    inspectionProviders: [...automation.poolInspectionProviders],
    ...INSPECTION_DEFAULTS,
    inspectionTimePoints: [],
  };
}

/** Locked fields and the env variable that locks each. */
export function lockedFields(automation: Config['automation']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, env] of Object.entries(ENV_FIELDS)) {
    if (automation.lockedByEnv.includes(env)) out[field] = env;
  }
  return out;
}

const sameValue = (a: unknown, b: unknown): boolean =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v, i) => v === b[i]) : a === b;

export function effectivePolicy(automation: Config['automation'], stored: PoolPolicyPatch | undefined): PoolPolicy {
  const locked = lockedFields(automation);
  const defaults = policyDefaults(automation);
  const merged: PoolPolicy = { ...defaults, ...(stored ?? {}) } as PoolPolicy;
  for (const field of Object.keys(locked) as (keyof PoolPolicy)[]) (merged as unknown as Record<string, unknown>)[field] = defaults[field];
  return merged;
}

/** The first locked field the patch would change, or null. */
export function lockedChange(automation: Config['automation'], current: PoolPolicy, patch: PoolPolicyPatch): { field: string; env: string } | null {
  const locked = lockedFields(automation);
  for (const [field, env] of Object.entries(locked)) {
    const v = (patch as Record<string, unknown>)[field];
    if (v !== undefined && !sameValue(v, (current as unknown as Record<string, unknown>)[field])) return { field, env };
  }
  return null;
}

/**
 * A policy change as the API takes it: a field set to null drops the saved value of its scope, so it follows
 * what is under it again (a CPA's field: the global policy; a global field: the startup default).
 */
export const PoolPolicyEditSchema = z
  .object(
    Object.fromEntries(Object.entries(PoolPolicyPatchSchema.shape).map(([k, v]) => [k, v.unwrap().nullable().optional()])) as {
      [K in keyof typeof PoolPolicyPatchSchema.shape]: z.ZodOptional<z.ZodNullable<ReturnType<(typeof PoolPolicyPatchSchema.shape)[K]['unwrap']>>>;
    },
  )
  .strict();
export type PoolPolicyEdit = z.infer<typeof PoolPolicyEditSchema>;

/** The saved fields after an edit: set fields replace, null fields are dropped. */
export function applyEdit(saved: PoolPolicyPatch, edit: PoolPolicyEdit): PoolPolicyPatch {
  const out: Record<string, unknown> = { ...saved };
  for (const [k, v] of Object.entries(edit)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return PoolPolicyPatchSchema.parse(out);
}

/** The edit without its resets (what lockedChange checks: dropping a saved value never unlocks a field). */
export function editValues(edit: PoolPolicyEdit): PoolPolicyPatch {
  return Object.fromEntries(Object.entries(edit).filter(([, v]) => v !== null && v !== undefined)) as PoolPolicyPatch;
}
