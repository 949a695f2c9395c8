// POST /setup and GET|PUT /usage-service/config: save the CPA connection after validating it against CPA.
// The management key is never returned unless the admin asks for it with ?reveal=1 (logged).
import { createCpaClient, isCpaError, type CpaClient } from '@cpamp/sdk-cpa';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import { z } from 'zod';
import { COLLECTOR_MODES } from '@cpamp/collector';
import { normalizeCpaBaseUrl } from '../config';
import type { Config } from '../config';
import type { CollectorSettings, ConnectionService } from '../connection';
import { ServerError } from '../errors';
import { checkCandidate } from '../doctor/run-doctor';
import { requireAdmin, type AdminCheck } from '../plugins/auth';
import { markPartial } from '../plus-compat/partial';
import { CODEX_INSPECTION_PARTIAL, plusCodexInspection, poolOf } from '../plus-compat/config-sections';

export interface SetupRoutesOptions {
  config: Pick<Config, 'proxy' | 'queryLimit'>;
  connection: ConnectionService;
  /** undici dispatcher for calls made with @cpamp/sdk-cpa. */
  cpaDispatcher?: unknown;
  now: () => number;
  /** Setup re-checks the admin key itself once a connection exists. */
  admin: AdminCheck;
}

const CollectorInput = z.object({
  enabled: z.boolean().optional(),
  collectorMode: z.enum(COLLECTOR_MODES).optional(),
  queue: z.string().min(1).max(200).optional(),
  popSide: z.enum(['right', 'left']).optional(),
  batchSize: z.number().int().min(1).max(10_000).optional(),
  pollIntervalMs: z.number().int().min(10).max(3_600_000).optional(),
  queryLimit: z.number().int().min(1).optional(),
  tlsSkipVerify: z.boolean().optional(),
});

const SetupBody = CollectorInput.omit({ enabled: true }).extend({
  cpaBaseUrl: z.string().max(2048).optional(),
  managementKey: z.string().max(4096).optional(),
  cpaManagementKey: z.string().max(4096).optional(),
  ensureUsageStatisticsEnabled: z.boolean().optional(),
  requestMonitoringEnabled: z.boolean().optional(),
});

const SetupCheckBody = z.object({
  cpaBaseUrl: z.string().min(1).max(2048),
  managementKey: z.string().min(1).max(4096),
  collectorMode: z.enum(COLLECTOR_MODES).optional(),
  pollIntervalMs: z.number().int().min(10).max(3_600_000).optional(),
});

const ConfigPutBody = z.object({
  config: z.object({
    cpaConnection: z.object({ cpaBaseUrl: z.string().max(2048).optional(), managementKey: z.string().max(4096).optional() }).optional(),
    collector: CollectorInput.optional(),
    ensureUsageStatisticsEnabled: z.boolean().optional(),
  }).passthrough(),
});

function normalizeUrlOrThrow(input: string): string {
  try {
    const url = normalizeCpaBaseUrl(input);
    if (url === null) throw new TypeError('empty');
    return url;
  } catch (error) {
    throw new ServerError('cpa_connection_required', `The CPA URL "${input}" is not usable (${(error as Error).message}). Use e.g. http://cli-proxy-api:8317.`);
  }
}

function collectorPatch(input: z.infer<typeof CollectorInput>): Partial<CollectorSettings> {
  const out: Partial<CollectorSettings> = {};
  if (input.enabled !== undefined) out.enabled = input.enabled;
  if (input.collectorMode !== undefined) out.mode = input.collectorMode;
  if (input.queue !== undefined) out.queue = input.queue;
  if (input.popSide !== undefined) out.popSide = input.popSide;
  if (input.batchSize !== undefined) out.batchSize = input.batchSize;
  if (input.pollIntervalMs !== undefined) out.pollIntervalMs = input.pollIntervalMs;
  if (input.tlsSkipVerify !== undefined) out.tlsSkipVerify = input.tlsSkipVerify;
  return out;
}

interface ValidateOptions {
  baseUrl: string;
  managementKey: string;
  monitoring: boolean;
  pollIntervalMs: number;
  ensureUsageStatistics: boolean;
}

/** GET /v0/management/config with the key; retention vs poll interval; optionally turn CPA statistics on. */
async function validateAgainstCpa(ctx: SetupRoutesOptions, o: ValidateOptions): Promise<{ retentionSeconds: number; usageStatisticsEnabled: boolean | null }> {
  let client: CpaClient;
  try {
    client = createCpaClient({ baseUrl: o.baseUrl, managementKey: o.managementKey, timeoutMs: ctx.config.proxy.timeoutMs, retries: 0, ...(ctx.cpaDispatcher ? { dispatcher: ctx.cpaDispatcher as never } : {}) });
  } catch (error) {
    throw new ServerError('cpa_connection_required', `The CPA URL is not usable: ${(error as Error).message}`, { cause: error });
  }
  try {
    let cpaConfig: Record<string, unknown>;
    try {
      cpaConfig = (await client.config.get()) as Record<string, unknown>;
    } catch (error) {
      if (isCpaError(error) && (error.code === 'unauthorized' || error.code === 'forbidden')) {
        throw new ServerError('invalid_management_key', 'CPA refused the management key (401/403). Enter CPA\'s remote-management secret key; each wrong try counts toward CPA\'s IP ban.', { cause: error });
      }
      const detail = isCpaError(error) ? error.message : (error as Error).message;
      throw new ServerError('management_api_validation_failed', `Cannot validate the CPA management API at ${o.baseUrl}: ${detail}`, { cause: error });
    }
    const rawRetention = cpaConfig['redis-usage-queue-retention-seconds'];
    const retentionSeconds = typeof rawRetention === 'number' ? rawRetention : 60;
    if (o.monitoring) {
      if (retentionSeconds <= 0) {
        throw new ServerError('cpa_usage_retention_invalid', `CPA's redis-usage-queue-retention-seconds is ${retentionSeconds}; set it to a positive value (default 60) in CPA's config.`);
      }
      if (o.pollIntervalMs > retentionSeconds * 1000) {
        throw new ServerError('poll_interval_exceeds_retention', `The poll interval ${o.pollIntervalMs} ms is longer than CPA's queue retention of ${retentionSeconds} s: records would expire before they are read. Lower pollIntervalMs.`);
      }
    }
    let usageStatisticsEnabled = typeof cpaConfig['usage-statistics-enabled'] === 'boolean' ? (cpaConfig['usage-statistics-enabled'] as boolean) : null;
    if (o.monitoring && o.ensureUsageStatistics && usageStatisticsEnabled !== true) {
      try {
        await client.config.setUsageStatisticsEnabled(true);
        usageStatisticsEnabled = true;
      } catch (error) {
        throw new ServerError('enable_cpa_usage_statistics_failed', `Cannot enable usage-statistics-enabled on CPA: ${isCpaError(error) ? error.message : (error as Error).message}`, { cause: error });
      }
    }
    return { retentionSeconds, usageStatisticsEnabled };
  } finally {
    await client.close();
  }
}

/** CPA's usage settings, read live (as Plus); omitted when CPA cannot be asked within 3 s. */
async function liveCpaUsage(ctx: SetupRoutesOptions, baseUrl: string, managementKey: string, log: { debug(o: object, m: string): void }) {
  const client = createCpaClient({ baseUrl, managementKey, timeoutMs: 3_000, retries: 0, ...(ctx.cpaDispatcher ? { dispatcher: ctx.cpaDispatcher as never } : {}) });
  try {
    const cfg = (await client.config.get()) as Record<string, unknown>;
    const retention = cfg['redis-usage-queue-retention-seconds'];
    return {
      usageStatisticsEnabled: cfg['usage-statistics-enabled'] === true,
      redisUsageQueueRetentionSeconds: typeof retention === 'number' ? retention : 60,
      retentionSourceDefault: typeof retention !== 'number',
    };
  } catch (error) {
    log.debug({ cpaCode: isCpaError(error) ? error.code : 'unknown' }, 'cpaUsage omitted: CPA config not readable');
    return undefined;
  } finally {
    await client.close();
  }
}

export default async function setupRoutes(fastify: FastifyInstance, opts: SetupRoutesOptions): Promise<void> {
  const ctx = opts;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post('/setup', { schema: { body: SetupBody } }, async (request) => {
    const body = request.body;
    const key = (body.cpaManagementKey || body.managementKey || '').trim();
    if (!body.cpaBaseUrl?.trim() || !key) {
      throw new ServerError('cpa_connection_required', 'Both cpaBaseUrl and managementKey (CPA\'s remote-management secret key) are required.');
    }
    const baseUrl = normalizeUrlOrThrow(body.cpaBaseUrl);
    if (ctx.connection.envManaged) {
      const env = ctx.connection.current();
      if (!env || env.baseUrl !== baseUrl || env.managementKey !== key) {
        throw new ServerError('setup_env_managed', 'The CPA connection is set by CPA_UPSTREAM_URL and CPA_MANAGEMENT_KEY; change those variables instead of running setup.');
      }
      return { ok: true, upstream: baseUrl, source: 'env' };
    }
    const patch = collectorPatch(body);
    const effective = { ...ctx.connection.collectorSettings(), ...patch };
    const monitoring = body.requestMonitoringEnabled ?? effective.enabled;
    const checked = await validateAgainstCpa(ctx, {
      baseUrl,
      managementKey: key,
      monitoring,
      pollIntervalMs: effective.pollIntervalMs,
      ensureUsageStatistics: body.ensureUsageStatisticsEnabled ?? true,
    });
    await ctx.connection.save({ baseUrl, managementKey: key, collector: { ...patch, enabled: monitoring } }, ctx.now());
    request.log.info({ upstream: baseUrl }, 'CPA connection saved');
    return { ok: true, upstream: baseUrl, retentionSeconds: checked.retentionSeconds, usageStatisticsEnabled: checked.usageStatisticsEnabled };
  });

  // The setup wizard's live check: the collector doctor against a candidate connection, nothing saved.
  app.post('/setup/check', { schema: { body: SetupCheckBody } }, async (request) => {
    const body = request.body;
    const baseUrl = normalizeUrlOrThrow(body.cpaBaseUrl);
    const settings = ctx.connection.collectorSettings();
    const result = await checkCandidate({
      baseUrl,
      managementKey: body.managementKey.trim(),
      mode: body.collectorMode ?? settings.mode,
      pollIntervalMs: body.pollIntervalMs ?? settings.pollIntervalMs,
      timeoutMs: Math.min(ctx.config.proxy.timeoutMs, 10_000),
      dispatcher: ctx.cpaDispatcher,
      now: ctx.now,
    });
    request.log.info({ upstream: baseUrl, ok: result.ok }, 'setup check ran (nothing saved)');
    return { ok: result.ok, cpaVersion: result.cpaVersion, findings: result.report.findings, upstream: baseUrl };
  });

  app.get('/usage-service/config', {
    config: { auth: 'admin-if-configured' },
    schema: { querystring: z.object({ reveal: z.enum(['0', '1', 'true', 'false']).optional() }) },
  }, async (request, reply) => {
    const reveal = request.query.reveal === '1' || request.query.reveal === 'true';
    const connection = ctx.connection.current();
    if (reveal) {
      await requireAdmin(ctx.admin, request);
      request.log.warn('CPA management key revealed to an admin (?reveal=1)');
    }
    markPartial(reply, [CODEX_INSPECTION_PARTIAL]);
    return configView(reveal, connection ? await liveCpaUsage(ctx, connection.baseUrl, connection.managementKey, request.log) : undefined);
  });

  /** Plus's {config, source, cpaUsage?} answer, shared by GET and the PUT reply. */
  function configView(reveal: boolean, cpaUsage: Awaited<ReturnType<typeof liveCpaUsage>> | undefined) {
    const connection = ctx.connection.current();
    const collector = ctx.connection.collectorSettings();
    return {
      ...(cpaUsage ? { cpaUsage } : {}),
      config: {
        cpaConnection: {
          cpaBaseUrl: connection?.baseUrl ?? '',
          managementKey: reveal && connection ? connection.managementKey : '',
          managementKeySet: connection !== null,
        },
        collector: {
          enabled: collector.enabled,
          collectorMode: collector.mode,
          queue: collector.queue,
          popSide: collector.popSide,
          batchSize: collector.batchSize,
          pollIntervalMs: collector.pollIntervalMs,
          queryLimit: ctx.config.queryLimit,
          tlsSkipVerify: collector.tlsSkipVerify,
        },
        codexInspection: plusCodexInspection(poolOf(app)),
        externalUsageService: { enabled: false },
        updatedAtMs: ctx.connection.updatedAtMs(),
      },
      source: connection?.source ?? '',
    };
  }

  app.put('/usage-service/config', { schema: { body: ConfigPutBody } }, async (request, reply) => {
    const input = request.body.config;
    const patch = collectorPatch(input.collector ?? {});
    const current = ctx.connection.current();
    const urlInput = input.cpaConnection?.cpaBaseUrl?.trim();
    const keyInput = input.cpaConnection?.managementKey?.trim();
    const baseUrl = urlInput ? normalizeUrlOrThrow(urlInput) : current?.baseUrl ?? null;
    const key = keyInput || current?.managementKey || null;
    if (ctx.connection.envManaged && (urlInput || keyInput || Object.keys(patch).length > 0)) {
      const env = current;
      if (!env || (urlInput && baseUrl !== env.baseUrl) || (keyInput && keyInput !== env.managementKey) || Object.keys(patch).length > 0) {
        throw new ServerError('connection_env_managed', 'The CPA connection and collector are set by environment variables (CPA_UPSTREAM_URL, CPA_MANAGEMENT_KEY, USAGE_*); change those instead.');
      }
    }
    // The stored key never follows a new destination on its own: a changed URL needs the key again.
    if (!keyInput && current && baseUrl !== null && baseUrl !== current.baseUrl) {
      throw new ServerError('cpa_connection_required', `The CPA URL changes from ${current.baseUrl} to ${baseUrl}: send the management key for the new address too (config.cpaConnection.managementKey); the stored key is not sent to a new address.`);
    }
    const effective = { ...ctx.connection.collectorSettings(), ...patch };
    if (!baseUrl || !key) {
      if (effective.enabled && patch.enabled === true) {
        throw new ServerError('cpa_connection_required_for_monitoring', 'Enabling the collector needs a CPA connection: set cpaConnection.cpaBaseUrl and managementKey.');
      }
      throw new ServerError('cpa_connection_required', 'No CPA connection is saved yet: set config.cpaConnection.cpaBaseUrl and managementKey.');
    }
    if (!ctx.connection.envManaged) {
      await validateAgainstCpa(ctx, {
        baseUrl,
        managementKey: key,
        monitoring: effective.enabled,
        pollIntervalMs: effective.pollIntervalMs,
        ensureUsageStatistics: input.ensureUsageStatisticsEnabled ?? true,
      });
      if (current && baseUrl !== current.baseUrl) request.log.warn({ from: current.baseUrl, to: baseUrl }, 'CPA connection moved to a new address');
      await ctx.connection.save({ baseUrl, managementKey: key, collector: patch }, ctx.now());
    }
    // Plus answers a saved config with the same {config, source} view GET gives; ok/upstream stay for cpamp clients.
    markPartial(reply, [CODEX_INSPECTION_PARTIAL]);
    return { ok: true, upstream: baseUrl, ...configView(false, undefined) };
  });
}
