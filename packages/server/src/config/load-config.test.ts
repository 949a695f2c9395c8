import { describe, expect, it } from 'vitest';
import { loadConfig, type LoadConfigOptions } from './load-config';
import { normalizeCpaBaseUrl } from './value-types';
import { ConfigError } from '../errors';
import { effectivePolicy, lockedChange, lockedFields } from '../pool/policy';

const files = (map: Record<string, string>): Pick<LoadConfigOptions, 'readFile' | 'fileExists'> => ({
  readFile: (p) => map[p] ?? null,
  fileExists: (p) => p in map,
});

const load = (env: Record<string, string> = {}, argv: string[] = [], fs: Record<string, string> = {}, cwd = '/work') =>
  loadConfig({ env, argv, cwd, ...files(fs) });

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  it('uses the seeds defaults natively', () => {
    const c = load();
    expect(c.http).toEqual({ host: '0.0.0.0', port: 18317 });
    expect(c.dataDir).toBe('/work/data');
    expect(c.dbPath).toBe('/work/data/cpamp.sqlite');
    expect(c.dataKeyPath).toBe('/work/data/data.key');
    expect(c.collector).toEqual({ mode: 'auto', queue: 'usage', popSide: 'right', batchSize: 100, pollIntervalMs: 500, tlsSkipVerify: false });
    expect(c.queryLimit).toBe(50_000);
    expect(c.corsOrigins).toEqual([]);
    expect(c.cpaUpstreamUrl).toBeNull();
    expect(c.cpaManagementKey).toBeNull();
    expect(c.adminKey).toBeNull();
    expect(c.import).toEqual({ chunkBytes: 4 * 1024 ** 2, diskQuotaBytes: 16 * 1024 ** 3, maxSessions: 2, sessionTtlMinutes: 1440 });
    expect(c.automation.dashboardHourlyRollupEnabled).toBe(true);
    expect(c.automation.lockedByEnv).toEqual([]);
    expect(c.inDocker).toBe(false);
  });

  it('defaults the data dir to /data in Docker', () => {
    expect(load({}, [], { '/.dockerenv': '' }).dataDir).toBe('/work/data'); // only CPAMP_DOCKER decides
    expect(load({ CPAMP_DOCKER: '1' }).dataDir).toBe('/data');
    expect(load({ CPAMP_DOCKER: '0' }, [], { '/.dockerenv': '' }).dataDir).toBe('/work/data');
  });
});

describe('loadConfig precedence: flags > env > config file > defaults', () => {
  const file = { '/etc/cpamp/config.json': JSON.stringify({ httpAddr: '127.0.0.1:1000', dataDir: './d', batchSize: 7, corsOrigins: ['https://a.example'] }) };

  it('reads the config file, resolving relative paths from its folder', () => {
    const c = load({ CPA_MANAGER_CONFIG: '/etc/cpamp/config.json' }, [], file);
    expect(c.configFile).toBe('/etc/cpamp/config.json');
    expect(c.http).toEqual({ host: '127.0.0.1', port: 1000 });
    expect(c.dataDir).toBe('/etc/cpamp/d');
    expect(c.dbPath).toBe('/etc/cpamp/d/cpamp.sqlite');
    expect(c.collector.batchSize).toBe(7);
    expect(c.corsOrigins).toEqual(['https://a.example']);
  });

  it('env beats the file, flags beat env; env paths resolve from cwd', () => {
    const c = load({ CPA_MANAGER_CONFIG: '/etc/cpamp/config.json', HTTP_ADDR: ':2000', USAGE_DATA_DIR: 'envdata', USAGE_BATCH_SIZE: '9' }, ['--port', '3000'], file);
    expect(c.http).toEqual({ host: '0.0.0.0', port: 3000 });
    expect(c.dataDir).toBe('/work/envdata');
    expect(c.collector.batchSize).toBe(9);
    const f = load({ USAGE_DATA_DIR: '/x' }, ['--data-dir', '/y', '--http-addr', '[::1]:5']);
    expect(f.dataDir).toBe('/y');
    expect(f.http).toEqual({ host: '::1', port: 5 });
  });

  it('ignores the file dbPath when USAGE_DATA_DIR is set in env (as Plus)', () => {
    const fs = { '/c/config.json': JSON.stringify({ dbPath: 'db/x.sqlite' }) };
    expect(load({ CPA_MANAGER_CONFIG: '/c/config.json' }, [], fs).dbPath).toBe('/c/db/x.sqlite');
    expect(load({ CPA_MANAGER_CONFIG: '/c/config.json', USAGE_DATA_DIR: '/d' }, [], fs).dbPath).toBe('/d/cpamp.sqlite');
    expect(load({ USAGE_DB_PATH: '/z/usage.sqlite' }).dbPath).toBe('/z/usage.sqlite');
  });

  it('finds ./cpamp.config.json and warns about unknown keys', () => {
    const c = load({}, [], { '/work/cpamp.config.json': '{"queue":"q","somethingElse":1}' });
    expect(c.configFile).toBe('/work/cpamp.config.json');
    expect(c.collector.queue).toBe('q');
    expect(c.warnings.join('\n')).toMatch(/somethingElse/);
  });
});

describe('loadConfig secrets', () => {
  it('resolves value > *_FILE > config *KeyFile > /run/secrets default', () => {
    const fs = { '/s/key': 'from-file\n', '/run/secrets/cpa_management_key': 'from-default', '/c/config.json': '{"managementKeyFile":"k.txt"}', '/c/k.txt': 'from-config' };
    expect(load({ CPA_MANAGEMENT_KEY: 'v', CPA_MANAGEMENT_KEY_FILE: '/s/key' }, [], fs).cpaManagementKey).toBe('v');
    expect(load({ CPA_MANAGEMENT_KEY_FILE: '/s/key', CPA_MANAGER_CONFIG: '/c/config.json' }, [], fs).cpaManagementKey).toBe('from-file');
    expect(load({ CPA_MANAGER_CONFIG: '/c/config.json' }, [], fs).cpaManagementKey).toBe('from-config');
    expect(load({}, [], fs).cpaManagementKey).toBe('from-default');
  });

  it('takes the admin key from CPAMP_ADMIN_KEY first, then Plus names', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => x.repeat(16));
    expect(load({ CPAMP_ADMIN_KEY: a!, CPA_MANAGER_ADMIN_KEY: b! }).adminKey).toBe(a);
    expect(load({ CPA_MANAGER_ADMIN_KEY: b! }).adminKey).toBe(b);
    expect(load({ CPA_MANAGER_ADMIN_KEY_FILE: '/k' }, [], { '/k': c! }).adminKey).toBe(c);
    expect(load({ CPAMP_ADMIN_KEY_FILE: '/k' }, [], { '/k': d! }).adminKey).toBe(d);
  });

  it('refuses a short CPAMP_ADMIN_KEY naming the variable (not the key); a short Plus key starts with a warning', () => {
    expect(() => load({ CPAMP_ADMIN_KEY: 'abcde' })).toThrow(/CPAMP_ADMIN_KEY="<5 characters>".*at least 16 characters/);
    expect(() => load({ CPAMP_ADMIN_KEY: 'abcde' })).not.toThrow(/abcde/);
    expect(() => load({ CPAMP_ADMIN_KEY_FILE: '/k' }, [], { '/k': 'short' })).toThrow(/CPAMP_ADMIN_KEY/);
    const plus = load({ CPA_MANAGER_ADMIN_KEY: 'abcde' });
    expect(plus.adminKey).toBe('abcde');
    expect(plus.warnings.join('\n')).toMatch(/SECURITY: the admin key from CPA_MANAGER_ADMIN_KEY has only 5 characters/);
  });

  it('trusts only listed reverse proxies: true is refused, addresses and CIDRs are checked', () => {
    expect(load({ CPAMP_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
    expect(load({ CPAMP_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(() => load({ CPAMP_TRUST_PROXY: 'true' })).toThrow(/CPAMP_TRUST_PROXY="true".*any client choose its own address/);
    expect(() => load({ CPAMP_TRUST_PROXY: 'proxy.local' })).toThrow(/"proxy.local" is not an IP address or CIDR/);
    expect(() => load({ CPAMP_TRUST_PROXY: '10.0.0.0/33' })).toThrow(/not an IP address or CIDR/);
  });

  it('a scrape token must be long', () => {
    expect(load({ CPAMP_METRICS_TOKEN: 'x'.repeat(24) }).metricsToken).toBe('x'.repeat(24));
    expect(() => load({ CPAMP_METRICS_TOKEN: 'short' })).toThrow(/CPAMP_METRICS_TOKEN.*24 characters/);
  });

  it('reads the data key and its path', () => {
    const dk = 'ab'.repeat(32); // a valid key: bad ones are tested in data-key-value.test.ts
    expect(load({ CPA_MANAGER_DATA_KEY: dk }).dataKey).toBe(dk);
    expect(load({ CPA_MANAGER_DATA_KEY_FILE: '/dk' }, [], { '/dk': dk }).dataKey).toBe(dk);
    expect(load({ CPA_MANAGER_DATA_KEY_PATH: 'keys/data.key' }).dataKeyPath).toBe('/work/keys/data.key');
  });

  it('names a missing secret file', () => {
    const e = configError(() => load({ CPA_MANAGEMENT_KEY_FILE: '/nope' }));
    expect(e.key).toBe('CPA_MANAGEMENT_KEY_FILE');
    expect(e.message).toMatch(/does not exist/);
  });

  it('is env-managed only with URL and key; the URL is normalised', () => {
    const c = load({ CPA_UPSTREAM_URL: 'cpa:8317/v0/management/', CPA_MANAGEMENT_KEY: 'k' });
    expect(c.cpaUpstreamUrl).toBe('http://cpa:8317');
    const w = load({ CPA_UPSTREAM_URL: 'http://cpa:8317' });
    expect(w.warnings.join()).toMatch(/CPA_MANAGEMENT_KEY/);
  });
});

describe('loadConfig rejects bad values naming key, value and fix', () => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ HTTP_ADDR: 'localhost' }, 'HTTP_ADDR', /host:port/],
    [{ HTTP_ADDR: ':99999' }, 'HTTP_ADDR', /host:port/],
    [{ USAGE_BATCH_SIZE: 'ten' }, 'USAGE_BATCH_SIZE', /integer/],
    [{ USAGE_BATCH_SIZE: '0' }, 'USAGE_BATCH_SIZE', /integer from 1/],
    [{ USAGE_POLL_INTERVAL_MS: '-5' }, 'USAGE_POLL_INTERVAL_MS', /integer/],
    [{ USAGE_COLLECTOR_MODE: 'redis' }, 'USAGE_COLLECTOR_MODE', /auto \| http \| resp \| subscribe \| resp-pop/],
    [{ USAGE_RESP_POP_SIDE: 'middle' }, 'USAGE_RESP_POP_SIDE', /right \| left/],
    [{ USAGE_RESP_TLS_SKIP_VERIFY: 'maybe' }, 'USAGE_RESP_TLS_SKIP_VERIFY', /boolean/],
    [{ USAGE_CORS_ORIGINS: 'https://a.example/path' }, 'USAGE_CORS_ORIGINS', /origin/],
    [{ CPA_UPSTREAM_URL: 'ftp://cpa' }, 'CPA_UPSTREAM_URL', /scheme/],
    [{ USAGE_QUERY_LIMIT: '1.5' }, 'USAGE_QUERY_LIMIT', /integer/],
    [{ CPAMP_LOG_LEVEL: 'loud' }, 'CPAMP_LOG_LEVEL', /info/],
  ];
  it.each(cases)('%j', (env, key, problem) => {
    const e = configError(() => load(env));
    expect(e.key).toBe(key);
    expect(e.value).toBe(Object.values(env)[0]);
    expect(e.message).toContain(key);
    expect(e.message).toMatch(problem);
    expect(e.message).toMatch(/Fix: /);
    expect(e.code).toBe('config_invalid');
  });

  it('names the config file key', () => {
    const e = configError(() => load({ CPA_MANAGER_CONFIG: '/c.json' }, [], { '/c.json': '{"batchSize":"x"}' }));
    expect(e.key).toBe('/c.json: batchSize');
  });

  it('rejects an unreadable or non-object config file and unknown flags', () => {
    expect(configError(() => load({ CPA_MANAGER_CONFIG: '/missing.json' })).key).toBe('CPA_MANAGER_CONFIG');
    expect(configError(() => load({}, ['--config', '/c.json'], { '/c.json': '{oops' })).message).toMatch(/not valid JSON/);
    expect(configError(() => load({}, ['--config', '/c.json'], { '/c.json': '[1]' })).message).toMatch(/JSON object/);
    expect(configError(() => load({}, ['--frobnicate'])).key).toBe('argv');
    expect(configError(() => load({}, ['--port', 'x'])).key).toBe('--port');
  });

  it('accepts Plus boolean spellings and * for CORS', () => {
    expect(load({ USAGE_RESP_TLS_SKIP_VERIFY: 'yes' }).collector.tlsSkipVerify).toBe(true);
    expect(load({ USAGE_RESP_TLS_SKIP_VERIFY: 'off' }).collector.tlsSkipVerify).toBe(false);
    expect(load({ USAGE_CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(load({ USAGE_CORS_ORIGINS: 'https://a.example, http://b.example:8317/' }).corsOrigins).toEqual(['https://a.example', 'http://b.example:8317']);
    expect(load({ USAGE_QUOTA_COOLDOWN_ENABLED: 'true' }).automation).toMatchObject({ quotaCooldownEnabled: true, lockedByEnv: ['USAGE_QUOTA_COOLDOWN_ENABLED'] });
  });
});

describe('account-pool policy keys (CPAMP_POOL_*)', () => {
  it('defaults: dry run off, auto-restore on, no schedule, 4 probes, every provider Plus covers; nothing locked', () => {
    const a = load().automation;
    expect(a).toMatchObject({ poolDryRun: false, poolAutoRestore: true, poolInspectionIntervalMinutes: 0, poolInspectionConcurrency: 4, poolInspectionProviders: ['codex', 'claude', 'antigravity', 'kimi', 'xai'] });
    expect(lockedFields(a)).toEqual({});
    expect(effectivePolicy(a, undefined)).toMatchObject({ dryRun: false, autoRestoreAtReset: true, inspectionIntervalMinutes: 0, inspectionConcurrency: 4, inspectionProviders: ['codex', 'claude', 'antigravity', 'kimi', 'xai'], inspectionSchedule: 'interval', inspectionUsedPercentThreshold: 100, inspectionAutoAction: 'none', xaiInferenceProbe: false });
  });

  it('env sets and locks each field, naming the env variable', () => {
    const a = load({
      CPAMP_POOL_DRY_RUN: 'yes',
      CPAMP_POOL_AUTO_RESTORE: 'off',
      CPAMP_POOL_INSPECTION_INTERVAL_MINUTES: '30',
      CPAMP_POOL_INSPECTION_CONCURRENCY: '8',
      CPAMP_POOL_INSPECTION_PROVIDERS: ' Claude , codex,claude,',
    }).automation;
    expect(a).toMatchObject({ poolDryRun: true, poolAutoRestore: false, poolInspectionIntervalMinutes: 30, poolInspectionConcurrency: 8, poolInspectionProviders: ['claude', 'codex'] });
    expect(lockedFields(a)).toEqual({
      dryRun: 'CPAMP_POOL_DRY_RUN',
      autoRestoreAtReset: 'CPAMP_POOL_AUTO_RESTORE',
      inspectionIntervalMinutes: 'CPAMP_POOL_INSPECTION_INTERVAL_MINUTES',
      inspectionConcurrency: 'CPAMP_POOL_INSPECTION_CONCURRENCY',
      inspectionProviders: 'CPAMP_POOL_INSPECTION_PROVIDERS',
    });
    // A saved override of a locked field is ignored; a patch that changes it is refused, one that repeats it is not.
    const policy = effectivePolicy(a, { dryRun: false, inspectionIntervalMinutes: 5, inspectionProviders: ['codex'] });
    expect(policy).toMatchObject({ dryRun: true, inspectionIntervalMinutes: 30, inspectionProviders: ['claude', 'codex'] });
    expect(lockedChange(a, policy, { inspectionIntervalMinutes: 5 })).toEqual({ field: 'inspectionIntervalMinutes', env: 'CPAMP_POOL_INSPECTION_INTERVAL_MINUTES' });
    expect(lockedChange(a, policy, { inspectionProviders: ['codex'] })).toEqual({ field: 'inspectionProviders', env: 'CPAMP_POOL_INSPECTION_PROVIDERS' });
    expect(lockedChange(a, policy, { inspectionProviders: ['claude', 'codex'], dryRun: true, autoDisableOnExhaustion: true })).toBeNull();
  });

  it('a config-file key sets the default without locking it', () => {
    const fs = { '/c.json': JSON.stringify({ poolDryRun: true, poolInspectionIntervalMinutes: 15, poolInspectionProviders: ['codex'], poolInspectionConcurrency: 2, poolAutoRestore: false }) };
    const c = load({}, ['--config', '/c.json'], fs);
    expect(c.warnings).toEqual([]);
    expect(c.automation).toMatchObject({ poolDryRun: true, poolAutoRestore: false, poolInspectionIntervalMinutes: 15, poolInspectionConcurrency: 2, poolInspectionProviders: ['codex'] });
    expect(lockedFields(c.automation)).toEqual({});
    expect(effectivePolicy(c.automation, { inspectionIntervalMinutes: 5 }).inspectionIntervalMinutes).toBe(5);
  });

  it('stops start-up on a bad value, naming key, value and fix', () => {
    const interval = configError(() => load({ CPAMP_POOL_INSPECTION_INTERVAL_MINUTES: 'hourly' }));
    expect(interval.key).toBe('CPAMP_POOL_INSPECTION_INTERVAL_MINUTES');
    expect(interval.message).toMatch(/CPAMP_POOL_INSPECTION_INTERVAL_MINUTES="hourly".*integer from 0 to 10080.*e\.g\. 60/);
    expect(configError(() => load({ CPAMP_POOL_INSPECTION_CONCURRENCY: '0' })).message).toMatch(/CPAMP_POOL_INSPECTION_CONCURRENCY="0".*from 1 to 64/);
    expect(configError(() => load({ CPAMP_POOL_DRY_RUN: 'maybe' })).message).toMatch(/CPAMP_POOL_DRY_RUN="maybe".*expected a boolean.*Fix: use true\/false/);
    const providers = configError(() => load({ CPAMP_POOL_INSPECTION_PROVIDERS: 'codex,gemini' }));
    expect(providers.key).toBe('CPAMP_POOL_INSPECTION_PROVIDERS');
    expect(providers.message).toMatch(/"gemini" is not a provider an inspection can probe.*Fix: list one or more of codex, claude/);
    expect(configError(() => load({ CPAMP_POOL_INSPECTION_PROVIDERS: ' , ' })).message).toMatch(/provider list is empty/);
    const file = configError(() => load({}, ['--config', '/c.json'], { '/c.json': JSON.stringify({ poolInspectionProviders: 7 }) }));
    expect(file.key).toBe('/c.json: poolInspectionProviders');
  });
});

describe('normalizeCpaBaseUrl', () => {
  it.each([
    ['cpa:8317', 'http://cpa:8317'],
    [' https://x.example/cpa/v0/management/ ', 'https://x.example/cpa'],
    ['http://h:1/v0', 'http://h:1'],
    ['http://h:1///', 'http://h:1'],
  ])('%s → %s', (input, out) => expect(normalizeCpaBaseUrl(input)).toBe(out));
  it('refuses credentials, queries and other schemes', () => {
    expect(() => normalizeCpaBaseUrl('http://u:p@h')).toThrow(/credentials/);
    expect(() => normalizeCpaBaseUrl('http://h/?a=1')).toThrow(/query/);
    expect(() => normalizeCpaBaseUrl('ws://h')).toThrow(/scheme/);
    expect(normalizeCpaBaseUrl('  ')).toBeNull();
  });
});
