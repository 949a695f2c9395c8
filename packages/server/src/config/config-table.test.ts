// Properties of the config table: every name is used once, every row is wired into the loader (a probe
// value set under any of its names changes the result or is refused under that name), defaults fit their
// schema, and the flag parser, the unknown-key warning, `--help` and the reference cover every row.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { CONFIG_KEYS, configFlagHelp } from './config-docs';
import { CONFIG_TABLE } from './config-table';
import { CONFIG_FLAGS, KNOWN_FILE_KEYS, loadConfig } from './load-config';
import { settingsOf } from './setting';

const SETTINGS = settingsOf(CONFIG_TABLE);
const PROBE = '@@probe@@';

const envNames = SETTINGS.flatMap(({ setting: s }) => [...s.env, ...(s.secretFile !== undefined ? s.env.map((n) => `${n}_FILE`) : [])]);
const fileKeys = SETTINGS.flatMap(({ setting: s }) => (s.file ? [s.file] : []));
const flagNames = SETTINGS.flatMap(({ setting: s }) => [...(s.flag ? [s.flag] : []), ...(s.adjustingFlags ?? [])].map((f) => f.name));

type Load = { env?: Record<string, string>; argv?: string[]; file?: Record<string, unknown> };
function load({ env = {}, argv = [], file }: Load): ReturnType<typeof loadConfig> {
  const files: Record<string, string> = file ? { '/c/config.json': JSON.stringify(file) } : {};
  return loadConfig({ env: { CPAMP_DOCKER: '0', ...(file ? { CPA_MANAGER_CONFIG: '/c/config.json' } : {}), ...env }, argv, cwd: '/w', readFile: (p) => files[p] ?? null, fileExists: (p) => p in files });
}

/** The probe either changes the loaded config or stops start-up naming exactly `key`. */
function expectWired(input: Load, key: string): void {
  const baseline = JSON.stringify({ ...load({ file: input.file ? {} : undefined }), warnings: [] });
  let result: string;
  try {
    result = JSON.stringify({ ...load(input), warnings: [] });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
    return;
  }
  expect(result, `${key} changed nothing`).not.toBe(baseline);
}

describe('the config table', () => {
  it('uses every env name, config.json key and flag once', () => {
    const dupes = (list: string[]) => list.filter((n, i) => list.indexOf(n) !== i);
    expect(dupes(envNames)).toEqual([]);
    expect(dupes(fileKeys)).toEqual([]);
    expect(dupes(flagNames)).toEqual([]);
  });

  it('parses exactly its own flags and knows exactly its own file keys', () => {
    expect(Object.keys(CONFIG_FLAGS).sort()).toEqual([...flagNames].sort());
    expect([...KNOWN_FILE_KEYS].sort()).toEqual([...fileKeys].sort());
  });

  it('has defaults that fit their schema', () => {
    for (const { path, setting: s } of SETTINGS) {
      if (typeof s.default === 'function') continue;
      expect(s.schema.safeParse(s.default).success, path).toBe(true);
    }
  });

  it.each(envNames)('reads env %s', (name) => expectWired({ env: { [name]: PROBE } }, name));
  it.each(fileKeys)('reads config.json key %s', (key) => expectWired({ file: { [key]: PROBE } }, `/c/config.json: ${key}`));
  it.each(flagNames)('reads flag --%s', (name) => expectWired({ argv: [`--${name}`, PROBE] }, `--${name}`));

  it('does not warn about its own config.json keys', () => {
    const c = load({ file: { queue: 'q', poolDryRun: true, somethingElse: 1 } });
    expect(c.warnings).toEqual(['config file key "somethingElse" is not used by cpamp and was ignored']);
  });

  it('documents every row, env name and flag', () => {
    expect(CONFIG_KEYS.map((k) => k.path)).toEqual(SETTINGS.map((s) => s.path));
    expect(CONFIG_KEYS.flatMap((k) => k.envVars)).toEqual(envNames);
    for (const k of CONFIG_KEYS) expect(k.values, k.path).not.toBe('');
    const help = configFlagHelp();
    for (const name of flagNames) expect(help).toContain(`--${name} `);
  });
});
