import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { loadConfig } from './load-config';

const dir = mkdtempSync(join(tmpdir(), 'cpamp-upstreams-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'east.key'), 'east-secret\n');

/** Loads a config.json holding `upstreams`, plus env. */
const load = (upstreams: unknown, env: Record<string, string> = {}) => {
  const file = join(dir, 'cpamp.config.json');
  return loadConfig({ env: { ...env, CPA_MANAGER_CONFIG: file }, cwd: dir, readFile: (p) => (p === file ? JSON.stringify({ upstreams }) : null), fileExists: (p) => p === file });
};
const problem = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
};

describe('upstreams setting', () => {
  it('reads inline entries, normalises URLs and reads key files relative to the config file', () => {
    const c = load([
      { name: 'east', url: 'cpa-east:8317/v0/management', managementKeyFile: 'east.key', collectorMode: 'http' },
      { name: 'west_2', url: 'https://cpa-west', managementKey: 'w' },
    ]);
    expect(c.upstreams).toEqual([
      { name: 'east', url: 'http://cpa-east:8317', managementKey: 'east-secret', collectorMode: 'http' },
      { name: 'west_2', url: 'https://cpa-west', managementKey: 'w', collectorMode: null },
    ]);
  });

  it('reads CPA_UPSTREAMS_FILE (a JSON list) and folds an entry named "default" into the single CPA', () => {
    const file = join(dir, 'upstreams.json');
    writeFileSync(file, JSON.stringify([{ name: 'default', url: 'http://a:8317', managementKey: 'ka', collectorMode: 'resp' }, { name: 'b', url: 'http://b:8317', managementKeyFile: './east.key' }]));
    const c = loadConfig({ env: { CPA_UPSTREAMS_FILE: file }, cwd: '/nowhere', readFile: () => null, fileExists: () => false });
    expect(c.cpaUpstreamUrl).toBe('http://a:8317');
    expect(c.cpaManagementKey).toBe('ka');
    expect(c.collector.mode).toBe('resp');
    expect(c.upstreams.map((u) => [u.name, u.managementKey])).toEqual([['b', 'east-secret']]);
  });

  it('refuses bad lists with the entry named', () => {
    expect(problem(() => load({ name: 'x' }))).toMatch(/expected a JSON array/);
    expect(problem(() => load([{ name: 'East', url: 'http://e', managementKey: 'k' }]))).toMatch(/upstreams\[0\] \("East"\): name must be a lower-case slug/);
    expect(problem(() => load([{ name: 'e', url: 'http://e', managementKey: 'k' }, { name: 'e', url: 'http://f', managementKey: 'k' }]))).toMatch(/upstreams\[1\] \("e"\): the name "e" is used twice/);
    expect(problem(() => load([{ name: 'e', url: 'http://e' }]))).toMatch(/upstreams\[0\] \("e"\): give exactly one of managementKey and managementKeyFile/);
    expect(problem(() => load([{ name: 'e', url: 'http://e', managementKey: 'k', managementKeyFile: 'east.key' }]))).toMatch(/exactly one/);
    expect(problem(() => load([{ name: 'e', url: 'http://e', managementKeyFile: 'missing.key' }]))).toMatch(/cannot read managementKeyFile/);
    expect(problem(() => load([{ name: 'e', url: 'ftp://e', managementKey: 'k' }]))).toMatch(/upstreams\[0\] \("e"\): url unsupported scheme/);
    expect(problem(() => load([{ name: 'e', url: 'http://e', managementKey: 'k', collectorMode: 'pigeon' }]))).toMatch(/collectorMode/);
    expect(problem(() => load([{ name: 'e', url: 'http://e', managementKey: 'k', extra: 1 }]))).toMatch(/upstreams\[0\] \("e"\)/);
    expect(problem(() => load([{ name: 'e', url: 'http://e', managementKey: 'k' }, { name: 'f', url: 'http://e/', managementKey: 'k' }]))).toMatch(/listed twice/);
    expect(problem(() => load([{ name: 'default', url: 'http://d', managementKey: 'k' }], { CPA_UPSTREAM_URL: 'http://a', CPA_MANAGEMENT_KEY: 'k' }))).toMatch(/also sets the default CPA/);
    expect(problem(() => load([{ name: 'e', url: 'http://a', managementKey: 'k' }], { CPA_UPSTREAM_URL: 'http://a', CPA_MANAGEMENT_KEY: 'k' }))).toMatch(/"e" has the default CPA's url/);
    expect(problem(() => loadConfig({ env: { CPA_UPSTREAMS_FILE: join(dir, 'nope.json') }, cwd: dir, readFile: () => null, fileExists: () => false }))).toMatch(/CPA_UPSTREAMS_FILE.*cannot read the upstreams file/);
  });
});
