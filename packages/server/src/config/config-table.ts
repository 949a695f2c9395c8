// THE configuration table: every setting once, with its environment variables (Plus / CPA-Manager names
// included), config.json key, flag, default, value type and documentation. `loadConfig`, the CLI flag
// parser and `--help`, the unknown-key warning, `ConfigSchema` and docs/reference/config.md are all built
// from it, so a new setting is one new row here. The tree mirrors `Config`.
import { join } from 'node:path';
import { COLLECTOR_MODES } from '@cpamp/collector';
import { z } from 'zod';
import { dbSchema, dbUrl } from './db-url';
import { derived, setting } from './setting';
import { upstreamList } from './upstreams-type';
import { boolean, cpaUrl, httpAddr, integer, nullable, oneOf, origins, path, readPort, secretText, subsetOf, text, trustProxy } from './value-types';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Providers an account-pool inspection can probe (those with a known quota endpoint). */
export const INSPECTION_PROVIDERS = ['codex', 'claude', 'antigravity', 'kimi', 'xai'] as const;

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const POOL = 'account pool:';

export const CONFIG_TABLE = {
  /** Absolute path of the config file that was read, or null. */
  configFile: setting({
    type: nullable(path()),
    env: ['CPA_MANAGER_CONFIG'],
    flag: { name: 'config', arg: '<file>', help: 'config.json' },
    default: null,
    doc: { default: '`./cpamp.config.json` if present', notes: 'a JSON object; read before every other setting' },
  }),
  http: setting({
    type: httpAddr(),
    env: ['HTTP_ADDR'],
    file: 'httpAddr',
    flag: { name: 'http-addr', arg: '<host:port>', help: 'listen address' },
    adjustingFlags: [
      { name: 'host', arg: '<host>', help: 'listen host only', apply: (addr, host) => ({ ...addr, host }) },
      { name: 'port', arg: '<port>', help: 'listen port only', apply: (addr, port) => ({ ...addr, port: readPort(port) }) },
    ],
    default: { host: '0.0.0.0', port: 18317 },
    doc: { default: '`0.0.0.0:18317`', notes: '`--host` and `--port` override one part' },
  }),
  dataDir: setting({
    type: path(),
    env: ['USAGE_DATA_DIR'],
    file: 'dataDir',
    flag: { name: 'data-dir', arg: '<dir>', help: 'data directory', helpDefault: './data, /data in Docker' },
    default: (ctx) => (ctx.inDocker && !ctx.configFile ? '/data' : join(ctx.fileBase, 'data')),
    doc: {
      default: '`./data` natively (next to the config file when one is used); `/data` in Docker',
      notes: 'holds `admin-key.json`, `data.key`, `cpamp.lock`, the database, `collector/`',
    },
  }),
  dbPath: setting({
    type: path(),
    env: ['USAGE_DB_PATH'],
    file: 'dbPath',
    fileIgnoredWhenEnvSet: 'USAGE_DATA_DIR',
    flag: { name: 'db-path', arg: '<file>', help: 'SQLite file', helpDefault: '<data-dir>/cpamp.sqlite' },
    default: (ctx) => join(ctx.dataDir, 'cpamp.sqlite'),
    doc: {
      default: '`<dataDir>/cpamp.sqlite`',
      notes: "a different name from Plus's `usage.sqlite`; naming a Plus database (Plus's compose sets `/data/usage.sqlite`) makes it the migration source, read only, with cpamp's own file beside it",
    },
  }),
  /** Env-managed CPA connection (unattended start) when both this and the management key are set. */
  cpaUpstreamUrl: setting({
    type: cpaUrl(),
    env: ['CPA_UPSTREAM_URL'],
    file: 'cpaUpstreamUrl',
    flag: { name: 'cpa-url', arg: '<url>', help: 'CPA base URL for unattended start, key via CPA_MANAGEMENT_KEY' },
    default: null,
    doc: { default: 'empty', notes: 'with a management key: env-managed connection, unattended start, never written to disk' },
  }),
  cpaManagementKey: setting({
    type: secretText(),
    env: ['CPA_MANAGEMENT_KEY'],
    file: 'managementKeyFile',
    secretFile: '/run/secrets/cpa_management_key',
    default: null,
    doc: { notes: "CPA's management key, for the env-managed connection" },
  }),
  /** Admin key supplied by env/file; when set it is authoritative (re-hashed if it changed). */
  adminKey: setting({
    type: secretText(),
    env: ['CPAMP_ADMIN_KEY', 'CPA_MANAGER_ADMIN_KEY'],
    file: 'adminKeyFile',
    secretFile: '/run/secrets/cpa_admin_key',
    default: null,
    doc: { notes: 'used at first start; unlike Plus, a later change replaces the stored hash' },
  }),
  dataKey: setting({
    type: secretText(),
    env: ['CPAMP_DATA_KEY', 'CPA_MANAGER_DATA_KEY'],
    file: 'dataKeyFile',
    secretFile: '/run/secrets/cpa_data_key',
    default: null,
    doc: { notes: 'encrypts stored credentials; 64 hex, base64 of 32 bytes, or any text (derived with HKDF as Plus does)' },
  }),
  dataKeyPath: setting({
    type: path(),
    env: ['CPA_MANAGER_DATA_KEY_PATH', 'CPAMP_DATA_KEY_PATH'],
    file: 'dataKeyPath',
    default: (ctx) => join(ctx.dataDir, 'data.key'),
    doc: { default: '`<dataDir>/data.key`', notes: 'used when no data key is given; created (0600) when missing' },
  }),
  collector: {
    mode: setting({
      type: oneOf(COLLECTOR_MODES),
      env: ['USAGE_COLLECTOR_MODE'],
      file: 'collectorMode',
      flag: { name: 'collector-mode', arg: '<mode>', help: 'collector' },
      default: 'auto',
      doc: { notes: '`resp` = `resp-pop`; `auto` prefers the RESP subscription on CPA ≥ 7.0.7' },
    }),
    queue: setting({
      type: text({ trim: true, emptyAsDefault: true }),
      env: ['USAGE_RESP_QUEUE'],
      file: 'queue',
      default: 'usage',
      doc: { notes: "CPA's usage queue name" },
    }),
    popSide: setting({
      type: oneOf(['right', 'left']),
      env: ['USAGE_RESP_POP_SIDE'],
      file: 'popSide',
      default: 'right',
      doc: { notes: 'which end of the queue RESP pops from' },
    }),
    batchSize: setting({
      type: integer(1, 10_000),
      env: ['USAGE_BATCH_SIZE'],
      file: 'batchSize',
      default: 100,
      doc: { notes: 'records taken from CPA per read' },
    }),
    pollIntervalMs: setting({
      type: integer(10, 3_600_000),
      env: ['USAGE_POLL_INTERVAL_MS'],
      file: 'pollIntervalMs',
      default: 500,
      doc: { notes: "setup refuses a value above CPA's queue retention" },
    }),
    tlsSkipVerify: setting({
      type: boolean(),
      env: ['USAGE_RESP_TLS_SKIP_VERIFY'],
      file: 'tlsSkipVerify',
      default: false,
      doc: { notes: "RESP over TLS: do not verify CPA's certificate" },
    }),
  },
  queryLimit: setting({
    type: integer(1, 10_000_000),
    env: ['USAGE_QUERY_LIMIT'],
    file: 'queryLimit',
    default: 50_000,
    doc: { notes: 'rows in a usage snapshot when the request sets no limit' },
  }),
  /** Empty = same origin only. '*' only when explicitly configured (never with credentials). */
  corsOrigins: setting({
    type: origins(),
    env: ['USAGE_CORS_ORIGINS'],
    file: 'corsOrigins',
    flag: { name: 'cors-origins', arg: '<list>', help: 'comma-separated allowed origins', helpDefault: 'same origin only' },
    default: [],
    doc: { default: 'empty = same origin only', notes: '`*` only when set, never with credentials' },
  }),
  panelPath: setting({
    type: nullable(path()),
    env: ['PANEL_PATH'],
    file: 'panelPath',
    flag: { name: 'panel-path', arg: '<file>', help: 'serve this management.html instead of the built-in one', helpDefault: null },
    default: null,
    doc: { default: 'the built `@cpamp/panel/management.html`' },
  }),
  /** Accepted for Plus compatibility; cpamp has no pprof server. */
  pprofAddr: setting({
    type: nullable(text()),
    env: ['CPA_MANAGER_PPROF_ADDR'],
    file: 'pprofAddr',
    warnWhenSet: 'CPA_MANAGER_PPROF_ADDR is a Go profiling server of CPA Manager Plus; cpamp ignores it',
    default: null,
    doc: { default: 'empty', notes: 'accepted for compatibility, ignored (warning)' },
  }),
  automation: {
    quotaCooldownEnabled: setting({
      type: boolean(),
      env: ['USAGE_QUOTA_COOLDOWN_ENABLED'],
      file: 'quotaCooldownEnabled',
      lockedByEnv: true,
      default: false,
      doc: {},
    }),
    accountActionsEnabled: setting({
      type: boolean(),
      env: ['USAGE_ACCOUNT_ACTIONS_ENABLED'],
      file: 'accountActionsEnabled',
      lockedByEnv: true,
      default: false,
      doc: {},
    }),
    accountActionsAutoDisable: setting({
      type: boolean(),
      env: ['USAGE_ACCOUNT_ACTIONS_AUTO_DISABLE'],
      file: 'accountActionsAutoDisable',
      lockedByEnv: true,
      default: false,
      doc: {},
    }),
    /** Account-pool policy defaults (CPAMP_POOL_*); the admin may override them unless env-set. */
    poolDryRun: setting({
      type: boolean(),
      env: ['CPAMP_POOL_DRY_RUN'],
      file: 'poolDryRun',
      lockedByEnv: true,
      default: false,
      doc: { notes: `${POOL} log what automation would do without disabling/enabling anything` },
    }),
    poolAutoRestore: setting({
      type: boolean(),
      env: ['CPAMP_POOL_AUTO_RESTORE'],
      file: 'poolAutoRestore',
      lockedByEnv: true,
      default: true,
      doc: { notes: `${POOL} re-enable accounts cpamp disabled for quota once their window resets` },
    }),
    /** 0 = no scheduled inspection. */
    poolInspectionIntervalMinutes: setting({
      // The example in an error is a sensible schedule, not the default (off).
      type: integer(0, 10_080, { example: 60 }),
      env: ['CPAMP_POOL_INSPECTION_INTERVAL_MINUTES'],
      file: 'poolInspectionIntervalMinutes',
      lockedByEnv: true,
      default: 0,
      doc: { default: '`0` (off)', notes: `${POOL} minutes between scheduled quota inspections` },
    }),
    poolInspectionConcurrency: setting({
      type: integer(1, 64),
      env: ['CPAMP_POOL_INSPECTION_CONCURRENCY'],
      file: 'poolInspectionConcurrency',
      lockedByEnv: true,
      default: 4,
      doc: { notes: `${POOL} quota probes in flight at once` },
    }),
    poolInspectionProviders: setting({
      type: subsetOf(INSPECTION_PROVIDERS, { noun: 'provider', problem: 'is not a provider an inspection can probe' }),
      env: ['CPAMP_POOL_INSPECTION_PROVIDERS'],
      file: 'poolInspectionProviders',
      lockedByEnv: true,
      default: [...INSPECTION_PROVIDERS],
      doc: { notes: `${POOL} providers a scheduled inspection probes` },
    }),
    /** Env names that were set: those toggles are locked in the UI. */
    lockedByEnv: derived(z.array(z.string()), 'lockedByEnv'),
    dashboardHourlyRollupEnabled: setting({
      type: boolean(),
      env: ['USAGE_DASHBOARD_HOURLY_ROLLUP_ENABLED'],
      default: true,
      doc: { notes: 'accepted for Plus compatibility (env only)' },
    }),
  },
  import: {
    chunkBytes: setting({
      type: integer(1024, GiB),
      env: ['USAGE_IMPORT_CHUNK_BYTES'],
      file: 'usageImportChunkBytes',
      default: 4 * MiB,
      doc: { default: '4 MiB', notes: 'chunk size of an upload import session' },
    }),
    diskQuotaBytes: setting({
      type: integer(MiB, Number.MAX_SAFE_INTEGER),
      env: ['USAGE_IMPORT_DISK_QUOTA_BYTES'],
      file: 'usageImportDiskQuotaBytes',
      default: 16 * GiB,
      doc: { default: '16 GiB', notes: 'disk the active import sessions may reserve together' },
    }),
    maxSessions: setting({
      type: integer(1, 64),
      env: ['USAGE_IMPORT_MAX_SESSIONS'],
      file: 'usageImportMaxSessions',
      default: 2,
      doc: { notes: 'import sessions active at once' },
    }),
    sessionTtlMinutes: setting({
      type: integer(1, 525_600),
      env: ['USAGE_IMPORT_SESSION_TTL_MINUTES'],
      file: 'usageImportSessionTTLMinutes',
      default: 1440,
      doc: { notes: 'an unfinished import session expires after this' },
    }),
  },
  logLevel: setting({
    type: oneOf(LOG_LEVELS),
    env: ['CPAMP_LOG_LEVEL', 'LOG_LEVEL'],
    file: 'logLevel',
    flag: { name: 'log-level', arg: '<level>', help: 'log level' },
    default: 'info',
    doc: {},
  }),
  /** Read-only token that opens /metrics alone, so a Prometheus scraper never holds the admin key. */
  metricsToken: setting({
    type: secretText(),
    env: ['CPAMP_METRICS_TOKEN'],
    file: 'metricsTokenFile',
    secretFile: '/run/secrets/cpamp_metrics_token',
    default: null,
    doc: { notes: 'a scraper sends `Authorization: Bearer <token>`; it opens `/metrics` and nothing else (at least 24 characters)' },
  }),
  /** Loopback / link-local targets for webhooks, Telegram's API base and price URLs (default refused). */
  allowLocalTargets: setting({
    type: boolean(),
    env: ['CPAMP_ALLOW_LOCAL_TARGETS'],
    file: 'allowLocalTargets',
    default: false,
    doc: { notes: 'lets alert channels and price sync call addresses on this host (loopback, link-local such as cloud metadata)' },
  }),
  /** false, or the trusted reverse proxies' addresses/CIDRs (fastify trustProxy). */
  trustProxy: setting({
    type: trustProxy(),
    env: ['CPAMP_TRUST_PROXY'],
    file: 'trustProxy',
    default: false,
    doc: { notes: "the reverse proxy's addresses, needed behind one so brute-force protection sees client addresses; `true` is refused (any client could choose its address)" },
  }),
  bodyLimitBytes: setting({
    type: integer(1024, GiB),
    env: ['CPAMP_BODY_LIMIT_BYTES'],
    file: 'bodyLimitBytes',
    default: MiB,
    doc: { default: '1 MiB', notes: 'JSON bodies of local routes' },
  }),
  proxy: {
    bodyLimitBytes: setting({
      type: integer(1024, GiB),
      env: ['CPAMP_PROXY_BODY_LIMIT_BYTES'],
      file: 'proxyBodyLimitBytes',
      default: 16 * MiB,
      doc: { default: '16 MiB', notes: 'bodies proxied to CPA' },
    }),
    timeoutMs: setting({
      type: integer(100, 3_600_000),
      env: ['CPAMP_PROXY_TIMEOUT_MS'],
      file: 'proxyTimeoutMs',
      default: 30_000,
      doc: { notes: 'per call to CPA' },
    }),
    maxConcurrency: setting({
      type: integer(1, 1024),
      env: ['CPAMP_PROXY_MAX_CONCURRENCY'],
      file: 'proxyMaxConcurrency',
      default: 8,
      doc: { notes: 'concurrent calls to CPA (each costs CPA a bcrypt check)' },
    }),
  },
  inDocker: setting({
    type: boolean(),
    env: ['CPAMP_DOCKER'],
    // Only the image says it is Docker (its ENV sets CPAMP_DOCKER=1): a native run inside some container
    // must not start writing to /data because /.dockerenv happens to exist.
    default: false,
    doc: { default: 'off (the image sets `1`)', notes: 'selects the `/data` default; `/.dockerenv` is not consulted' },
  }),
  /** Postgres instead of SQLite when set (the connection string is a secret: logged redacted). */
  dbUrl: setting({
    type: dbUrl(),
    env: ['USAGE_DB_URL'],
    file: 'dbUrl',
    flag: { name: 'db-url', arg: '<url>', help: 'Postgres connection string (instead of the SQLite file)' },
    default: null,
    doc: {
      default: 'empty (SQLite at `dbPath`)',
      notes: 'runs the server and every command on Postgres (see docs/guides/postgres.md); the password is shown as `***` in logs, `/status` and `cpamp doctor`; the data key and the lock stay in the data directory',
    },
  }),
  dbSchema: setting({
    type: dbSchema(),
    env: ['USAGE_DB_SCHEMA'],
    file: 'dbSchema',
    flag: { name: 'db-schema', arg: '<name>', help: 'Postgres schema for the tables' },
    default: 'public',
    doc: { notes: 'with `dbUrl`: the schema holding cpamp\'s tables (created when missing); one schema per cpamp install' },
  }),
  /** Non-fatal remarks (unknown config.json keys, ignored settings) for the start-up log. */
  warnings: derived(z.array(z.string()), 'warnings'),
  /** Further CPAs, each with its own connection and collector, beside the default one (CPA_UPSTREAM_URL). */
  upstreams: setting({
    type: upstreamList(),
    env: ['CPA_UPSTREAMS_FILE'],
    file: 'upstreams',
    default: [],
    doc: {
      default: 'none',
      notes:
        'several CPAs into one cpamp: each entry (name, url, managementKey or managementKeyFile, optional collectorMode) gets its own collector and is picked in the panel and the proxy by name (`X-Cpamp-Upstream`); names are lower-case slugs, unique; an entry named `default` stands for `CPA_UPSTREAM_URL`; see docs/guides/several-cpas.md',
    },
  }),
  /** Memory at scale (SQLite): how many of the newest events the in-process column cache holds. */
  columnCacheMaxEvents: setting({
    type: integer(0, 1_000_000_000),
    env: ['USAGE_COLUMN_CACHE_MAX_EVENTS'],
    file: 'columnCacheMaxEvents',
    default: 3_000_000,
    doc: {
      notes:
        'SQLite: the newest events kept in memory for fast views (~57 bytes each, ~170 MB at the default); older ranges come from rollups and SQL; 0 = every event; see docs/guides/memory-at-scale.md',
    },
  }),
  /** Memory at scale (SQLite): page cache of the writer connection (the reader gets half). */
  sqliteCacheMb: setting({
    type: integer(1, 4096),
    env: ['USAGE_SQLITE_CACHE_MB'],
    file: 'sqliteCacheMb',
    default: 16,
    doc: {
      notes:
        'SQLite page cache of the writer connection in MiB; the read-only connection gets half; each stays resident once filled; see docs/guides/memory-at-scale.md',
    },
  }),
};
