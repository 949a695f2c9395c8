// The only module that reads environment variables (they are passed in, never read from `process`).
// Precedence: flags > env > config file > defaults. Names follow CPA-Manager / CPA Manager Plus, so a
// Plus compose file or config.json works unchanged. Relative paths in the config file resolve from the
// config file's folder; relative paths in env or flags from the working directory.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError } from './errors';
import { assertDataKeyValue } from './data-key-value';

export const COLLECTOR_MODES = ['auto', 'http', 'resp', 'subscribe', 'resp-pop'] as const;
export type CollectorMode = (typeof COLLECTOR_MODES)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Providers an account-pool inspection can probe (those with a known quota endpoint). */
export const INSPECTION_PROVIDERS = ['codex', 'claude'] as const;

const secret = z.string().min(1).nullable();

/** The resolved, validated configuration. Build one with `loadConfig` (or `ConfigSchema.parse` when embedding). */
export const ConfigSchema = z.object({
  /** Absolute path of the config file that was read, or null. */
  configFile: z.string().nullable(),
  http: z.object({ host: z.string().min(1), port: z.number().int().min(0).max(65535) }),
  dataDir: z.string().min(1),
  dbPath: z.string().min(1),
  /** Env-managed CPA connection (unattended start) when both are set. */
  cpaUpstreamUrl: z.string().nullable(),
  cpaManagementKey: secret,
  /** Admin key supplied by env/file; when set it is authoritative (re-hashed if it changed). */
  adminKey: secret,
  dataKey: secret,
  dataKeyPath: z.string().min(1),
  collector: z.object({
    mode: z.enum(COLLECTOR_MODES),
    queue: z.string().min(1),
    popSide: z.enum(['right', 'left']),
    batchSize: z.number().int().min(1).max(10_000),
    pollIntervalMs: z.number().int().min(10).max(3_600_000),
    tlsSkipVerify: z.boolean(),
  }),
  queryLimit: z.number().int().min(1),
  /** Empty = same origin only. '*' only when explicitly configured (never with credentials). */
  corsOrigins: z.array(z.string()),
  panelPath: z.string().nullable(),
  /** Accepted for Plus compatibility; cpamp has no pprof server. */
  pprofAddr: z.string().nullable(),
  automation: z.object({
    quotaCooldownEnabled: z.boolean(),
    accountActionsEnabled: z.boolean(),
    accountActionsAutoDisable: z.boolean(),
    /** Account-pool policy defaults (CPAMP_POOL_*); the admin may override them unless env-set. */
    poolDryRun: z.boolean(),
    poolAutoRestore: z.boolean(),
    /** 0 = no scheduled inspection. */
    poolInspectionIntervalMinutes: z.number().int().min(0).max(10_080),
    poolInspectionConcurrency: z.number().int().min(1).max(64),
    poolInspectionProviders: z.array(z.string().min(1).max(40)).min(1).max(20),
    /** Env names that were set: those toggles are locked in the UI. */
    lockedByEnv: z.array(z.string()),
    dashboardHourlyRollupEnabled: z.boolean(),
  }),
  import: z.object({
    chunkBytes: z.number().int().min(1),
    diskQuotaBytes: z.number().int().min(1),
    maxSessions: z.number().int().min(1),
    sessionTtlMinutes: z.number().int().min(1),
  }),
  logLevel: z.enum(LOG_LEVELS),
  /** false, true, or a list of trusted proxy addresses/CIDRs (fastify trustProxy). */
  trustProxy: z.union([z.boolean(), z.array(z.string())]),
  bodyLimitBytes: z.number().int().min(1024),
  proxy: z.object({
    bodyLimitBytes: z.number().int().min(1024),
    timeoutMs: z.number().int().min(100),
    maxConcurrency: z.number().int().min(1).max(1024),
  }),
  inDocker: z.boolean(),
  /** Non-fatal remarks (unknown config.json keys, ignored settings) for the start-up log. */
  warnings: z.array(z.string()),
});
export type Config = z.infer<typeof ConfigSchema>;

export interface LoadConfigOptions {
  env: Record<string, string | undefined>;
  argv?: readonly string[];
  cwd: string;
  /** Injected for tests; default reads the real file system. */
  readFile?: (path: string) => string | null;
  fileExists?: (path: string) => boolean;
}

const defaultReadFile = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
};

/** Command-line flags understood by `serve` (and the offline commands). */
export const CONFIG_FLAGS = {
  config: { type: 'string' },
  'http-addr': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'db-path': { type: 'string' },
  'cpa-url': { type: 'string' },
  'collector-mode': { type: 'string' },
  'panel-path': { type: 'string' },
  'cors-origins': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export const KNOWN_FILE_KEYS: ReadonlySet<string> = new Set([
  'httpAddr', 'dataDir', 'dbPath', 'cpaUpstreamUrl', 'managementKeyFile', 'adminKeyFile', 'dataKeyFile',
  'dataKeyPath', 'collectorMode', 'queue', 'popSide', 'batchSize', 'pollIntervalMs', 'queryLimit', 'pprofAddr',
  'panelPath', 'corsOrigins', 'tlsSkipVerify', 'quotaCooldownEnabled', 'accountActionsEnabled',
  'accountActionsAutoDisable', 'usageImportChunkBytes', 'usageImportDiskQuotaBytes', 'usageImportMaxSessions',
  'usageImportSessionTTLMinutes', 'poolDryRun', 'poolAutoRestore', 'poolInspectionIntervalMinutes',
  'poolInspectionConcurrency', 'poolInspectionProviders', 'logLevel', 'trustProxy', 'bodyLimitBytes', 'proxyBodyLimitBytes',
  'proxyTimeoutMs', 'proxyMaxConcurrency',
]);

type Raw = { key: string; value: unknown; base: string };

/**
 * CPA base URL normalisation (as Plus): trim, add http:// when there is no scheme, drop a trailing '/',
 * then a trailing '/v0/management', then '/v0'. Returns null for an empty input; throws on a non-URL.
 */
export function normalizeCpaBaseUrl(input: string): string | null {
  let value = input.trim();
  if (value === '') return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) value = `http://${value}`;
  value = value.replace(/\/+$/, '');
  value = value.replace(/\/v0\/management$/i, '').replace(/\/v0$/i, '').replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`not a URL: ${input}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported scheme ${url.protocol}`);
  if (url.username || url.password) throw new TypeError('credentials in the URL are not allowed');
  if (url.search || url.hash) throw new TypeError('a query string or fragment is not allowed');
  return value;
}

function parseHttpAddr(key: string, value: string): { host: string; port: number } {
  const trimmed = value.trim();
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(trimmed);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new ConfigError(key, value, 'expected host:port', 'use e.g. 0.0.0.0:18317, 127.0.0.1:18317 or :18317');
  }
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

function parsePort(key: string, value: string): number {
  if (!/^\d{1,5}$/.test(value.trim()) || Number(value) > 65535) {
    throw new ConfigError(key, value, 'expected a port number', 'use an integer between 0 and 65535, e.g. 18317');
  }
  return Number(value);
}

function parseInteger(raw: Raw, min: number, max: number, example: number): number {
  const { key, value } = raw;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(key, String(value), `expected an integer from ${min} to ${max}`, `set it to e.g. ${example}, or unset it for the default`);
  }
  return n;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

function parseBool(raw: Raw): boolean {
  const { key, value } = raw;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
  }
  throw new ConfigError(key, String(value), 'expected a boolean', 'use true/false (also 1/0, yes/no, on/off)');
}

function parseEnum<T extends string>(raw: Raw, allowed: readonly T[]): T {
  const v = typeof raw.value === 'string' ? raw.value.trim().toLowerCase() : raw.value;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new ConfigError(raw.key, String(raw.value), `expected one of ${allowed.join(', ')}`, `set it to one of: ${allowed.join(' | ')}`);
}

function parseString(raw: Raw): string {
  if (typeof raw.value !== 'string') {
    throw new ConfigError(raw.key, JSON.stringify(raw.value), 'expected a string', 'quote the value in the config file');
  }
  return raw.value;
}

function parsePath(raw: Raw): string {
  const value = parseString(raw).trim();
  if (value === '') throw new ConfigError(raw.key, value, 'the path is empty', 'set a path or unset the variable');
  return isAbsolute(value) ? value : resolve(raw.base, value);
}

function parseOrigins(raw: Raw): string[] {
  const list = Array.isArray(raw.value)
    ? raw.value
    : typeof raw.value === 'string'
      ? raw.value.split(',')
      : null;
  if (list === null) {
    throw new ConfigError(raw.key, JSON.stringify(raw.value), 'expected a comma-separated list of origins', 'e.g. https://panel.example.com,http://localhost:8317');
  }
  const out: string[] = [];
  for (const item of list) {
    const origin = typeof item === 'string' ? item.trim().replace(/\/+$/, '') : '';
    if (origin === '') continue;
    if (origin === '*') {
      out.push('*');
      continue;
    }
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      throw new ConfigError(raw.key, String(item), 'not an origin (scheme://host[:port], no path)', 'list origins such as https://cpa.example.com:8317, or * to allow any');
    }
    out.push(url.origin);
  }
  return [...new Set(out)];
}

function parseProviders(raw: Raw): string[] {
  const list = Array.isArray(raw.value) ? raw.value : typeof raw.value === 'string' ? raw.value.split(',') : null;
  const fix = `list one or more of ${INSPECTION_PROVIDERS.join(', ')}, comma-separated (e.g. codex,claude), or unset it for the default`;
  if (list === null) throw new ConfigError(raw.key, JSON.stringify(raw.value), 'expected a comma-separated list of providers', fix);
  const out: string[] = [];
  for (const item of list) {
    const name = typeof item === 'string' ? item.trim().toLowerCase() : '';
    if (name === '' && typeof item === 'string') continue;
    if (!(INSPECTION_PROVIDERS as readonly string[]).includes(name)) {
      throw new ConfigError(raw.key, typeof raw.value === 'string' ? raw.value : JSON.stringify(raw.value), `"${String(item)}" is not a provider an inspection can probe`, fix);
    }
    if (!out.includes(name)) out.push(name);
  }
  if (out.length === 0) throw new ConfigError(raw.key, typeof raw.value === 'string' ? raw.value : JSON.stringify(raw.value), 'the provider list is empty', fix);
  return out;
}

function parseTrustProxy(raw: Raw): boolean | string[] {
  if (typeof raw.value === 'boolean') return raw.value;
  if (Array.isArray(raw.value) && raw.value.every((v) => typeof v === 'string')) return raw.value as string[];
  if (typeof raw.value === 'string') {
    const v = raw.value.trim().toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    return raw.value.split(',').map((s) => s.trim()).filter(Boolean);
  }
  throw new ConfigError(raw.key, String(raw.value), 'expected true/false or a list of proxy addresses', 'e.g. CPAMP_TRUST_PROXY=127.0.0.1,10.0.0.0/8');
}

/** Reads the config file (JSON object) or throws a ConfigError naming it. */
function readConfigFile(path: string, key: string, read: (p: string) => string | null, required: boolean): Record<string, unknown> | null {
  const text = read(path);
  if (text === null) {
    if (required) throw new ConfigError(key, path, 'the config file does not exist', 'point it at an existing JSON file, or unset it');
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(key, path, `the config file is not valid JSON (${(error as Error).message})`, 'fix the JSON syntax', { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(key, path, 'the config file must contain a JSON object', 'e.g. {"httpAddr":"0.0.0.0:18317","dataDir":"./data"}');
  }
  return parsed as Record<string, unknown>;
}

/** Loads and validates the configuration. Pure apart from reading the config file and secret files. */
export function loadConfig(options: LoadConfigOptions): Config {
  const { env, cwd } = options;
  const read = options.readFile ?? defaultReadFile;
  const exists = options.fileExists ?? existsSync;
  const warnings: string[] = [];

  let flags: Record<string, string | undefined>;
  try {
    flags = parseArgs({ args: [...(options.argv ?? [])], options: CONFIG_FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = (error as Error).message;
    throw new ConfigError('argv', (options.argv ?? []).join(' '), message, 'run `cpamp serve --help` for the list of flags', { cause: error });
  }

  const envVal = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };

  // 1. Config file: --config, CPA_MANAGER_CONFIG, else ./cpamp.config.json when present.
  let configFile: string | null = null;
  let file: Record<string, unknown> = {};
  const explicit = flags.config !== undefined ? { key: '--config', value: flags.config } : envVal('CPA_MANAGER_CONFIG') !== undefined ? { key: 'CPA_MANAGER_CONFIG', value: envVal('CPA_MANAGER_CONFIG') as string } : null;
  if (explicit) {
    configFile = resolve(cwd, explicit.value);
    file = readConfigFile(configFile, explicit.key, read, true) ?? {};
  } else {
    const candidate = join(cwd, 'cpamp.config.json');
    const found = readConfigFile(candidate, 'cpamp.config.json', read, false);
    if (found) {
      configFile = candidate;
      file = found;
    }
  }
  const fileBase = configFile ? dirname(configFile) : cwd;
  for (const k of Object.keys(file)) {
    if (!KNOWN_FILE_KEYS.has(k)) warnings.push(`config file key "${k}" is not used by cpamp and was ignored`);
  }

  /** flag > env (first set name wins) > config file key. */
  const pick = (flag: string | null, envNames: readonly string[], fileKey: string | null): Raw | undefined => {
    if (flag && flags[flag] !== undefined) return { key: `--${flag}`, value: flags[flag], base: cwd };
    for (const name of envNames) {
      const v = envVal(name);
      if (v !== undefined) return { key: name, value: v, base: cwd };
    }
    if (fileKey && file[fileKey] !== undefined && file[fileKey] !== null) {
      return { key: `${configFile}: ${fileKey}`, value: file[fileKey], base: fileBase };
    }
    return undefined;
  };

  /** Secret: env value > env *_FILE > config file *KeyFile > default /run/secrets file. */
  const secretOf = (valueEnvs: readonly string[], fileEnvs: readonly string[], fileKey: string, defaultFile: string): string | null => {
    for (const name of valueEnvs) {
      const v = envVal(name);
      if (v !== undefined) return v.trim();
    }
    const fileRaw = pick(null, fileEnvs, fileKey);
    if (fileRaw) {
      const path = parsePath(fileRaw);
      const text = read(path);
      if (text === null) throw new ConfigError(fileRaw.key, path, 'the secret file does not exist', 'create the file or unset the variable');
      const v = text.trim();
      if (v === '') throw new ConfigError(fileRaw.key, path, 'the secret file is empty', 'write the secret into the file');
      return v;
    }
    if (exists(defaultFile)) {
      const v = (read(defaultFile) ?? '').trim();
      return v === '' ? null : v;
    }
    return null;
  };

  // Only the image says it is Docker (its ENV sets CPAMP_DOCKER=1): a native run inside some container must
  // not start writing to /data because /.dockerenv happens to exist.
  const inDocker = envVal('CPAMP_DOCKER') !== undefined ? parseBool({ key: 'CPAMP_DOCKER', value: envVal('CPAMP_DOCKER'), base: cwd }) : false;

  // 2. Listen address.
  const addrRaw = pick('http-addr', ['HTTP_ADDR'], 'httpAddr');
  const http = addrRaw ? parseHttpAddr(addrRaw.key, parseString(addrRaw)) : { host: '0.0.0.0', port: 18317 };
  if (flags.host !== undefined) http.host = flags.host;
  if (flags.port !== undefined) http.port = parsePort('--port', flags.port);

  // 3. Paths. dbPath from the config file is ignored when USAGE_DATA_DIR is set in env (as Plus).
  const dataDirRaw = pick('data-dir', ['USAGE_DATA_DIR'], 'dataDir');
  const dataDir = dataDirRaw ? parsePath(dataDirRaw) : inDocker && !configFile ? '/data' : join(fileBase, 'data');
  const dataDirFromEnv = envVal('USAGE_DATA_DIR') !== undefined;
  const dbRaw = pick('db-path', ['USAGE_DB_PATH'], dataDirFromEnv ? null : 'dbPath');
  const dbPath = dbRaw ? parsePath(dbRaw) : join(dataDir, 'cpamp.sqlite');
  const dataKeyPathRaw = pick(null, ['CPA_MANAGER_DATA_KEY_PATH', 'CPAMP_DATA_KEY_PATH'], 'dataKeyPath');
  const dataKeyPath = dataKeyPathRaw ? parsePath(dataKeyPathRaw) : join(dataDir, 'data.key');
  const panelRaw = pick('panel-path', ['PANEL_PATH'], 'panelPath');
  const panelPath = panelRaw ? parsePath(panelRaw) : null;

  // 4. CPA connection.
  const urlRaw = pick('cpa-url', ['CPA_UPSTREAM_URL'], 'cpaUpstreamUrl');
  let cpaUpstreamUrl: string | null = null;
  if (urlRaw) {
    try {
      cpaUpstreamUrl = normalizeCpaBaseUrl(parseString(urlRaw));
    } catch (error) {
      throw new ConfigError(urlRaw.key, String(urlRaw.value), (error as Error).message, 'use the CPA base URL, e.g. http://cli-proxy-api:8317', { cause: error });
    }
  }
  const cpaManagementKey = secretOf(['CPA_MANAGEMENT_KEY'], ['CPA_MANAGEMENT_KEY_FILE'], 'managementKeyFile', '/run/secrets/cpa_management_key');
  const adminKey = secretOf(['CPAMP_ADMIN_KEY', 'CPA_MANAGER_ADMIN_KEY'], ['CPAMP_ADMIN_KEY_FILE', 'CPA_MANAGER_ADMIN_KEY_FILE'], 'adminKeyFile', '/run/secrets/cpa_admin_key');
  const dataKey = secretOf(['CPAMP_DATA_KEY', 'CPA_MANAGER_DATA_KEY'], ['CPAMP_DATA_KEY_FILE', 'CPA_MANAGER_DATA_KEY_FILE'], 'dataKeyFile', '/run/secrets/cpa_data_key');
  if (dataKey !== null) assertDataKeyValue(dataKey, ['CPAMP_DATA_KEY', 'CPA_MANAGER_DATA_KEY', 'CPAMP_DATA_KEY_FILE', 'CPA_MANAGER_DATA_KEY_FILE'].find((name) => envVal(name) !== undefined) ?? 'dataKeyFile');
  if (cpaUpstreamUrl && !cpaManagementKey) {
    warnings.push('CPA_UPSTREAM_URL is set without CPA_MANAGEMENT_KEY(_FILE): the connection is not env-managed; finish setup in the panel');
  }

  // 5. Collector.
  const int = (flag: string | null, envs: readonly string[], fileKey: string, def: number, min: number, max: number): number => {
    const raw = pick(flag, envs, fileKey);
    return raw ? parseInteger(raw, min, max, def) : def;
  };
  const bool = (envs: readonly string[], fileKey: string | null, def: boolean): boolean => {
    const raw = pick(null, envs, fileKey);
    return raw ? parseBool(raw) : def;
  };
  const modeRaw = pick('collector-mode', ['USAGE_COLLECTOR_MODE'], 'collectorMode');
  const popRaw = pick(null, ['USAGE_RESP_POP_SIDE'], 'popSide');
  const queueRaw = pick(null, ['USAGE_RESP_QUEUE'], 'queue');
  const collector = {
    mode: modeRaw ? parseEnum(modeRaw, COLLECTOR_MODES) : ('auto' as const),
    queue: queueRaw ? parseString(queueRaw).trim() || 'usage' : 'usage',
    popSide: popRaw ? parseEnum(popRaw, ['right', 'left'] as const) : ('right' as const),
    batchSize: int(null, ['USAGE_BATCH_SIZE'], 'batchSize', 100, 1, 10_000),
    pollIntervalMs: int(null, ['USAGE_POLL_INTERVAL_MS'], 'pollIntervalMs', 500, 10, 3_600_000),
    tlsSkipVerify: bool(['USAGE_RESP_TLS_SKIP_VERIFY'], 'tlsSkipVerify', false),
  };

  // 6. Misc.
  const corsRaw = pick('cors-origins', ['USAGE_CORS_ORIGINS'], 'corsOrigins');
  const corsOrigins = corsRaw ? parseOrigins(corsRaw) : [];
  const pprofRaw = pick(null, ['CPA_MANAGER_PPROF_ADDR'], 'pprofAddr');
  const pprofAddr = pprofRaw ? parseString(pprofRaw) : null;
  if (pprofAddr) warnings.push('CPA_MANAGER_PPROF_ADDR is a Go profiling server of CPA Manager Plus; cpamp ignores it');

  // An env-set policy key is locked in the UI (as Plus); a config-file key only sets the default.
  const lockedByEnv = [
    'USAGE_QUOTA_COOLDOWN_ENABLED',
    'USAGE_ACCOUNT_ACTIONS_ENABLED',
    'USAGE_ACCOUNT_ACTIONS_AUTO_DISABLE',
    'CPAMP_POOL_DRY_RUN',
    'CPAMP_POOL_AUTO_RESTORE',
    'CPAMP_POOL_INSPECTION_INTERVAL_MINUTES',
    'CPAMP_POOL_INSPECTION_CONCURRENCY',
    'CPAMP_POOL_INSPECTION_PROVIDERS',
  ].filter((n) => envVal(n) !== undefined);
  const providersRaw = pick(null, ['CPAMP_POOL_INSPECTION_PROVIDERS'], 'poolInspectionProviders');
  const intervalRaw = pick(null, ['CPAMP_POOL_INSPECTION_INTERVAL_MINUTES'], 'poolInspectionIntervalMinutes');
  const automation = {
    quotaCooldownEnabled: bool(['USAGE_QUOTA_COOLDOWN_ENABLED'], 'quotaCooldownEnabled', false),
    accountActionsEnabled: bool(['USAGE_ACCOUNT_ACTIONS_ENABLED'], 'accountActionsEnabled', false),
    accountActionsAutoDisable: bool(['USAGE_ACCOUNT_ACTIONS_AUTO_DISABLE'], 'accountActionsAutoDisable', false),
    poolDryRun: bool(['CPAMP_POOL_DRY_RUN'], 'poolDryRun', false),
    poolAutoRestore: bool(['CPAMP_POOL_AUTO_RESTORE'], 'poolAutoRestore', true),
    // 0 = off; the example in an error is a sensible schedule, not the default.
    poolInspectionIntervalMinutes: intervalRaw ? parseInteger(intervalRaw, 0, 10_080, 60) : 0,
    poolInspectionConcurrency: int(null, ['CPAMP_POOL_INSPECTION_CONCURRENCY'], 'poolInspectionConcurrency', 4, 1, 64),
    poolInspectionProviders: providersRaw ? parseProviders(providersRaw) : [...INSPECTION_PROVIDERS],
    lockedByEnv,
    dashboardHourlyRollupEnabled: bool(['USAGE_DASHBOARD_HOURLY_ROLLUP_ENABLED'], null, true),
  };
  const GiB = 1024 ** 3;
  const imports = {
    chunkBytes: int(null, ['USAGE_IMPORT_CHUNK_BYTES'], 'usageImportChunkBytes', 4 * 1024 ** 2, 1024, GiB),
    diskQuotaBytes: int(null, ['USAGE_IMPORT_DISK_QUOTA_BYTES'], 'usageImportDiskQuotaBytes', 16 * GiB, 1024 ** 2, Number.MAX_SAFE_INTEGER),
    maxSessions: int(null, ['USAGE_IMPORT_MAX_SESSIONS'], 'usageImportMaxSessions', 2, 1, 64),
    sessionTtlMinutes: int(null, ['USAGE_IMPORT_SESSION_TTL_MINUTES'], 'usageImportSessionTTLMinutes', 1440, 1, 525_600),
  };
  const logRaw = pick('log-level', ['CPAMP_LOG_LEVEL', 'LOG_LEVEL'], 'logLevel');
  const trustRaw = pick(null, ['CPAMP_TRUST_PROXY'], 'trustProxy');

  const candidate: Config = {
    configFile,
    http,
    dataDir,
    dbPath,
    cpaUpstreamUrl,
    cpaManagementKey,
    adminKey,
    dataKey,
    dataKeyPath,
    collector,
    queryLimit: int(null, ['USAGE_QUERY_LIMIT'], 'queryLimit', 50_000, 1, 10_000_000),
    corsOrigins,
    panelPath,
    pprofAddr,
    automation,
    import: imports,
    logLevel: logRaw ? parseEnum(logRaw, LOG_LEVELS) : 'info',
    trustProxy: trustRaw ? parseTrustProxy(trustRaw) : false,
    bodyLimitBytes: int(null, ['CPAMP_BODY_LIMIT_BYTES'], 'bodyLimitBytes', 1024 ** 2, 1024, GiB),
    proxy: {
      bodyLimitBytes: int(null, ['CPAMP_PROXY_BODY_LIMIT_BYTES'], 'proxyBodyLimitBytes', 16 * 1024 ** 2, 1024, GiB),
      timeoutMs: int(null, ['CPAMP_PROXY_TIMEOUT_MS'], 'proxyTimeoutMs', 30_000, 100, 3_600_000),
      maxConcurrency: int(null, ['CPAMP_PROXY_MAX_CONCURRENCY'], 'proxyMaxConcurrency', 8, 1, 1024),
    },
    inDocker,
    warnings,
  };
  return ConfigSchema.parse(candidate);
}

/** A complete config for embedding and tests: defaults for everything not given (no env, no files). */
export function defineConfig(overrides: Partial<Config> & { dataDir: string }): Config {
  const base = loadConfig({ env: { USAGE_DATA_DIR: overrides.dataDir, CPAMP_DOCKER: '0' }, cwd: overrides.dataDir, readFile: () => null, fileExists: () => false });
  return ConfigSchema.parse({ ...base, ...overrides, dbPath: overrides.dbPath ?? join(overrides.dataDir, 'cpamp.sqlite'), dataKeyPath: overrides.dataKeyPath ?? join(overrides.dataDir, 'data.key') });
}

/** For the CLI entry: the one place the real process environment is read. */
export function loadConfigFromProcess(argv: readonly string[]): Config {
  return loadConfig({ env: process.env, argv, cwd: process.cwd() });
}

