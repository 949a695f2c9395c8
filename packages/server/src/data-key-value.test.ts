import { describe, expect, it } from 'vitest';
import { EXIT, runCli } from './cli/run-cli';
import { loadConfig } from './config';
import { ConfigError } from './errors';

const load = (env: Record<string, string>, fs: Record<string, string> = {}) =>
  loadConfig({ env, argv: [], cwd: '/work', readFile: (p) => fs[p] ?? null, fileExists: (p) => p in fs });

describe('data key given as a value', () => {
  it('accepts 64 hex characters, base64 of 32 bytes, or any text (derived as Plus derives it)', () => {
    expect(load({ CPA_MANAGER_DATA_KEY: 'ab'.repeat(32) }).dataKey).toBe('ab'.repeat(32));
    const b64 = Buffer.alloc(32, 7).toString('base64');
    expect(load({ CPAMP_DATA_KEY: b64 }).dataKey).toBe(b64);
    expect(load({ CPA_MANAGER_DATA_KEY: 'a plus passphrase' }).dataKey).toBe('a plus passphrase');
  });

  it('is a configuration error naming the variable, never showing the key', () => {
    let error: unknown;
    try {
      load({ CPA_MANAGER_DATA_KEY_FILE: '/k' }, { '/k': '\n' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('CPA_MANAGER_DATA_KEY_FILE');
  });

  it('stops `cpamp serve` with exit code 2', async () => {
    const err: string[] = [];
    const io = {
      out: { write: () => undefined },
      err: { write: (s: string) => void err.push(s) },
      loadConfig: () => load({ CPA_MANAGER_DATA_KEY_FILE: '/k' }, { '/k': '  ' }),
    };
    expect((await runCli(['serve'], io)).code).toBe(EXIT.usage);
    expect(err.join('')).toMatch(/CPA_MANAGER_DATA_KEY_FILE/);
  });
});
