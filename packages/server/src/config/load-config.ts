// The only module that reads environment variables (they are passed in, never read from `process`, except
// by `loadConfigFromProcess`). Precedence: flags > env > config file > defaults, for every row of the
// config table. Relative paths in the config file resolve from the config file's folder; relative paths in
// env or flags from the working directory.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { assertDataKeyValue } from '../data-key-value';
import { ConfigError } from '../errors';
import { ConfigSchema, type Config } from './config-schema';
import { CONFIG_TABLE } from './config-table';
import { isLeaf, settingsOf, type DefaultContext, type Setting, type TableNode } from './setting';
import { InvalidValue, path, type ReadContext } from './value-types';
import { foldDefaultUpstream } from './upstreams-type';

export interface LoadConfigOptions {
  env: Record<string, string | undefined>;
  argv?: readonly string[];
  cwd: string;
  /** Injected for tests; default reads the real file system. */
  readFile?: (path: string) => string | null;
  fileExists?: (path: string) => boolean;
}

const SETTINGS = settingsOf(CONFIG_TABLE).map((s) => s.setting);

/** Command-line flags understood by `serve` (and the offline commands): every flag of the config table. */
export const CONFIG_FLAGS: Readonly<Record<string, { type: 'string' }>> = Object.freeze(
  Object.fromEntries(SETTINGS.flatMap((s) => [...(s.flag ? [s.flag] : []), ...(s.adjustingFlags ?? [])]).map((f) => [f.name, { type: 'string' as const }])),
);

/** config.json keys cpamp reads; any other key draws a warning. */
export const KNOWN_FILE_KEYS: ReadonlySet<string> = new Set(SETTINGS.flatMap((s) => (s.file ? [s.file] : [])));

const defaultReadFile = (file: string): string | null => {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
};

/** A raw value and where it came from: `key` names the source in errors (flag, env name, or file: key). */
type Raw = { key: string; value: unknown; base: string };

/** Reads the config file (JSON object) or throws a ConfigError naming it. */
function readConfigFile(file: string, key: string, read: (p: string) => string | null, required: boolean): Record<string, unknown> | null {
  const text = read(file);
  if (text === null) {
    if (required) throw new ConfigError(key, file, 'the config file does not exist', 'point it at an existing JSON file, or unset it');
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(key, file, `the config file is not valid JSON (${(error as Error).message})`, 'fix the JSON syntax', { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(key, file, 'the config file must contain a JSON object', 'e.g. {"httpAddr":"0.0.0.0:18317","dataDir":"./data"}');
  }
  return parsed as Record<string, unknown>;
}

/** Runs a read, turning a bad value into a ConfigError that names its source. */
function guarded<T>(key: string, readValue: () => T): T {
  try {
    return readValue();
  } catch (error) {
    if (error instanceof InvalidValue) throw new ConfigError(key, error.value, error.problem, error.fix, { cause: error });
    throw error;
  }
}

function readRaw<T>(type: { read(value: unknown, ctx: ReadContext): T }, raw: Raw, fallback: unknown): T {
  return guarded(raw.key, () => type.read(raw.value, { base: raw.base, default: fallback }));
}

export const MIN_ADMIN_KEY_LENGTH = 16;

/**
 * cpamp's own admin key must be long enough to resist guessing; Plus accepted any non-empty key, so a
 * Plus deployment (CPA_MANAGER_ADMIN_KEY, its secret file) still starts, with a warning at every start.
 */
function checkAdminKeyStrength(key: string | null, fromCpampVariable: boolean, warnings: string[]): void {
  if (key === null || key.length >= MIN_ADMIN_KEY_LENGTH) return;
  if (fromCpampVariable) {
    throw new ConfigError('CPAMP_ADMIN_KEY', `<${key.length} characters>`, `an admin key needs at least ${MIN_ADMIN_KEY_LENGTH} characters`, 'set a longer key (e.g. `openssl rand -base64 24`), or unset it and let cpamp generate one');
  }
  warnings.push(`SECURITY: the admin key from CPA_MANAGER_ADMIN_KEY has only ${key.length} characters (cpamp asks for at least ${MIN_ADMIN_KEY_LENGTH}); change it, e.g. with \`cpamp reset-admin-key\``);
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

  let file: Record<string, unknown> = {};
  let configFile: string | null = null;
  let fileBase = cwd;

  /** flag > env (first set name wins) > config file key. */
  const pick = (flag: string | undefined, envNames: readonly string[], fileKey: string | undefined): Raw | undefined => {
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

  // 1. The config file: its flag or env, else ./cpamp.config.json when present.
  const explicit = pick(CONFIG_TABLE.configFile.flag?.name, CONFIG_TABLE.configFile.env, undefined);
  if (explicit) {
    configFile = resolve(cwd, explicit.value as string);
    file = readConfigFile(configFile, explicit.key, read, true) ?? {};
  } else {
    const candidate = join(cwd, 'cpamp.config.json');
    const found = readConfigFile(candidate, 'cpamp.config.json', read, false);
    if (found) {
      configFile = candidate;
      file = found;
    }
  }
  fileBase = configFile ? dirname(configFile) : cwd;
  for (const k of Object.keys(file)) {
    if (!KNOWN_FILE_KEYS.has(k)) warnings.push(`config file key "${k}" is not used by cpamp and was ignored`);
  }

  /** Secret: env value > env *_FILE > config file key (a file path) > the default secret file. */
  const secretOf = (s: Setting, defaultFile: string): unknown => {
    for (const name of s.env) {
      const v = envVal(name);
      if (v !== undefined) return s.type.read(v, { base: cwd, default: null });
    }
    const fileRaw = pick(undefined, s.env.map((name) => `${name}_FILE`), s.file);
    if (fileRaw) {
      const secretPath = readRaw(path(), fileRaw, null);
      const text = read(secretPath);
      if (text === null) throw new ConfigError(fileRaw.key, secretPath, 'the secret file does not exist', 'create the file or unset the variable');
      const v = text.trim();
      if (v === '') throw new ConfigError(fileRaw.key, secretPath, 'the secret file is empty', 'write the secret into the file');
      return v;
    }
    if (exists(defaultFile)) {
      const v = (read(defaultFile) ?? '').trim();
      return v === '' ? null : v;
    }
    return null;
  };

  // 2. Every setting, once, on first use: a default may depend on another setting (through `ctx`).
  const resolved = new Map<Setting, unknown>([[CONFIG_TABLE.configFile, configFile]]);
  const valueOf = (s: Setting): unknown => {
    if (resolved.has(s)) return resolved.get(s);
    let value: unknown;
    if (s.secretFile !== undefined) {
      value = secretOf(s, s.secretFile);
    } else {
      const fileKey = s.fileIgnoredWhenEnvSet !== undefined && envVal(s.fileIgnoredWhenEnvSet) !== undefined ? undefined : s.file;
      const raw = pick(s.flag?.name, s.env, fileKey);
      const staticDefault = typeof s.default === 'function' ? undefined : s.default;
      value = raw ? readRaw(s.type, raw, staticDefault) : typeof s.default === 'function' ? s.default(ctx) : s.default;
    }
    for (const adjust of s.adjustingFlags ?? []) {
      const flag = flags[adjust.name];
      if (flag !== undefined) value = guarded(`--${adjust.name}`, () => adjust.apply(value, flag));
    }
    resolved.set(s, value);
    return value;
  };
  const ctx: DefaultContext = {
    configFile,
    fileBase,
    fileExists: exists,
    get inDocker() {
      return valueOf(CONFIG_TABLE.inDocker) as boolean;
    },
    get dataDir() {
      return valueOf(CONFIG_TABLE.dataDir) as string;
    },
  };

  // An env-set policy key is locked in the UI (as Plus); a config-file key only sets the default.
  const lockedByEnv = SETTINGS.filter((s) => s.lockedByEnv).flatMap((s) => s.env.filter((name) => envVal(name) !== undefined));
  const build = (node: TableNode): unknown => {
    if (!isLeaf(node)) return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, build(child)]));
    if (node.kind === 'setting') return valueOf(node);
    return node.from === 'lockedByEnv' ? lockedByEnv : warnings;
  };
  const candidate = guarded('upstreams', () => foldDefaultUpstream(build(CONFIG_TABLE) as Config));

  if (candidate.cpaUpstreamUrl && !candidate.cpaManagementKey) {
    warnings.push('CPA_UPSTREAM_URL is set without CPA_MANAGEMENT_KEY(_FILE): the connection is not env-managed; finish setup in the panel');
  }
  for (const s of SETTINGS) if (s.warnWhenSet && valueOf(s)) warnings.push(s.warnWhenSet);
  if (candidate.metricsToken !== null && candidate.metricsToken.length < 24) {
    throw new ConfigError('CPAMP_METRICS_TOKEN', `<${candidate.metricsToken.length} characters>`, 'a scrape token needs at least 24 characters', 'e.g. `openssl rand -hex 16`');
  }
  if (candidate.dataKey !== null) {
    assertDataKeyValue(candidate.dataKey, ['CPAMP_DATA_KEY', 'CPA_MANAGER_DATA_KEY', 'CPAMP_DATA_KEY_FILE', 'CPA_MANAGER_DATA_KEY_FILE'].find((name) => envVal(name) !== undefined) ?? 'dataKeyFile');
  }
  checkAdminKeyStrength(candidate.adminKey, envVal('CPAMP_ADMIN_KEY') !== undefined || envVal('CPAMP_ADMIN_KEY_FILE') !== undefined, warnings);
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
