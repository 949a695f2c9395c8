import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';

// Stock clients prove the fake speaks real RESP, not a private dialect.
const REDIS_CLI = '/usr/bin/redis-cli';
const haveRedisCli = existsSync(REDIS_CLI);
if (!haveRedisCli) {
  console.warn(`SKIPPED redis-cli tests: ${REDIS_CLI} is missing (install Debian's redis-tools)`);
}
const run = promisify(execFile);
const KEY = 'test-management-key';
let fake: FakeCpa | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const rec = (n: number) => ({
  timestamp: `2026-08-22T14:00:0${n}Z`,
  model: 'gpt-5',
  request_id: `a1b2c3d${n}`,
});
const cli = (port: number, ...args: string[]) =>
  run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), '-a', KEY, '--no-auth-warning', ...args], {
    timeout: 5000,
  });

describe.skipIf(!haveRedisCli)('stock redis-cli against the fake CPA', () => {
  it('RPOP usage 10 returns the records (AUTH first via -a)', async () => {
    fake = await startFakeCpa();
    for (let i = 1; i <= 3; i++) fake.enqueueUsage(rec(i));
    const { stdout } = await cli(fake.port, 'RPOP', 'usage', '10');
    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([rec(1), rec(2), rec(3)]);
    expect(fake.stats().authFailures).toBe(0);
  });

  it('PING prints CPA’s unknown-command error', async () => {
    fake = await startFakeCpa();
    const { stdout } = await cli(fake.port, 'PING');
    expect(stdout.trim()).toBe("ERR unknown command 'ping'");
  });

  it('SUBSCRIBE usage prints the control payload and then a record', async () => {
    fake = await startFakeCpa();
    const child = spawn(REDIS_CLI, [
      '-h',
      '127.0.0.1',
      '-p',
      String(fake.port),
      '-a',
      KEY,
      '--no-auth-warning',
      'SUBSCRIBE',
      'usage',
    ]);
    let out = '';
    const waitFor = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`redis-cli did not print ${text}; got: ${out}`)), 5000);
        const check = () => {
          if (out.includes(text)) {
            clearTimeout(t);
            child.stdout.off('data', onData);
            resolve();
          }
        };
        const onData = (d: Buffer) => {
          out += d.toString();
          check();
        };
        child.stdout.on('data', onData);
        check();
      });
    try {
      await waitFor('{"support_refresh":true}');
      expect(fake.subscriberCount('usage')).toBe(1);
      fake.enqueueUsage(rec(1));
      await waitFor(JSON.stringify(rec(1)));
      expect(out.split('\n').slice(0, 3)).toEqual(['subscribe', 'usage', '1']);
      expect(fake.queueLength()).toBe(0);
    } finally {
      child.kill();
    }
  });
});

describe('ioredis 6 against the fake CPA', () => {
  const base = {
    host: '127.0.0.1',
    enableReadyCheck: false,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  };

  it('protocol:2 + enableReadyCheck:false + lazyConnect: AUTH goes first and RPOP with a count works', async () => {
    fake = await startFakeCpa();
    for (let i = 1; i <= 3; i++) fake.enqueueUsage(rec(i));
    const redis = new Redis({
      ...base,
      port: fake.port,
      password: KEY,
      protocol: 2,
      disableClientInfo: true,
    });
    try {
      await redis.connect();
      const items = await redis.rpop('usage', 10);
      expect(items?.map((s) => JSON.parse(s) as unknown)).toEqual([rec(1), rec(2), rec(3)]);
      expect(await redis.lpop('usage')).toBeNull();
      await expect(redis.ping()).rejects.toThrow("ERR unknown command 'ping'");
      expect(fake.stats().authFailures).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('ioredis 6 defaults (HELLO 3 AUTH + CLIENT SETINFO before AUTH) are refused and burn login strikes, as on real CPA', async () => {
    fake = await startFakeCpa();
    const redis = new Redis({ ...base, port: fake.port, password: KEY });
    redis.on('error', () => {});
    try {
      await expect(redis.connect().then(() => redis.rpop('usage', 1))).rejects.toThrow();
      // The client may see the refusal before the fake has counted the strike: wait for it, bounded.
      for (const deadline = Date.now() + 5000; fake.stats().authFailures < 1 && Date.now() < deadline; )
        await new Promise((r) => setTimeout(r, 5));
      expect(fake.stats().authFailures).toBeGreaterThanOrEqual(1);
    } finally {
      redis.disconnect();
    }
  });
});
