import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { MODEL_CATALOG } from '@cpamp/testkit';
import { loadConfig } from '../src/index';
import { demoPriceFile, EXIT, HELP, runCli, type CliIo } from '../src/testing';
import { tempDir, waitFor } from './helpers';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliPath = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(CPA|CPAMP|USAGE|HTTP_ADDR|PANEL)/.test(k)) env[k] = v;
  return { ...env, CPAMP_DOCKER: '0', CPAMP_LOG_LEVEL: 'warn', ...extra };
}

function memoryIo(env: Record<string, string>, cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: { write: (s: string) => void stdout.push(s) },
    err: { write: (s: string) => void stderr.push(s) },
    loadConfig: (argv) => loadConfig({ env: { CPAMP_DOCKER: '0', CPAMP_LOG_LEVEL: 'silent', ...env }, argv, cwd }),
  };
}

const children: ChildProcess[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

describe('cpamp CLI (in process)', () => {
  it('prints help for every command with exit 0; unknown command and bad flags exit 2', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    for (const cmd of ['serve', 'demo', 'reset-admin-key']) {
      const io = memoryIo({}, dir.path);
      expect((await runCli([cmd, '--help'], io)).code).toBe(EXIT.ok);
      expect(io.stdout.join('')).toBe(`${HELP[cmd]}\n`);
      expect(io.stdout.join('')).toMatch(/Exit codes/);
    }
    const main = memoryIo({}, dir.path);
    expect((await runCli(['--help'], main)).code).toBe(0);
    expect(main.stdout.join('')).toMatch(/reset-admin-key/);
    expect((await runCli(['frobnicate'], memoryIo({}, dir.path))).code).toBe(EXIT.usage);
    const bad = memoryIo({ USAGE_BATCH_SIZE: 'many' }, dir.path);
    expect((await runCli(['serve'], bad)).code).toBe(EXIT.usage);
    expect(bad.stderr.join('')).toMatch(/USAGE_BATCH_SIZE="many"/);
    expect((await runCli(['reset-admin-key', '--nope'], memoryIo({}, dir.path))).code).toBe(EXIT.usage);
  });

  it('reset-admin-key prints a new key once; never echoes a supplied key', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const io = memoryIo({ USAGE_DATA_DIR: dir.path }, dir.path);
    expect((await runCli(['reset-admin-key'], io)).code).toBe(0);
    expect(io.stdout.join('')).toMatch(/cpamp_[0-9A-Za-z]{32}/);
    const supplied = memoryIo({ USAGE_DATA_DIR: dir.path }, dir.path);
    expect((await runCli(['reset-admin-key', '--admin-key', 'my-own-admin-key-1234'], supplied)).code).toBe(0);
    expect(supplied.stdout.join('')).not.toContain('my-own-admin-key-1234');
  });
});

describe('cpamp serve as a real child process', () => {
  it('starts, answers /health, refuses a second instance and reset-admin-key (exit 3), stops on SIGTERM', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const child = spawn(process.execPath, ['--import', 'tsx', cliPath, 'serve', '--http-addr', '127.0.0.1:0', '--data-dir', dir.path], {
      cwd: repoRoot,
      env: childEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const url = await new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL in output: ${out}`)), 20_000);
      const check = () => {
        const m = /cpamp (http:\/\/127\.0\.0\.1:\d+)\/management\.html/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolvePromise(m[1] as string);
        }
      };
      child.stdout?.on('data', check);
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    expect(out).toMatch(/cpamp_[0-9A-Za-z]{32}/);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    const io = memoryIo({ USAGE_DATA_DIR: dir.path }, dir.path);
    expect((await runCli(['reset-admin-key'], io)).code).toBe(EXIT.locked);
    expect(io.stderr.join('')).toMatch(/in use by process/);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
  });
});

describe('cpamp demo', () => {
  it('starts a fake CPA and a wired server, prints URL and admin key, events arrive, stop cleans up', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const io = memoryIo({}, dir.path);
    const result = await runCli(['demo', '--port', '0', '--events', '40'], io);
    expect(result.code).toBe(0);
    try {
      const text = io.stdout.join('');
      const url = /panel:\s+(http:\/\/127\.0\.0\.1:\d+)\/management\.html/.exec(text)?.[1] as string;
      const key = /admin key:\s+(cpamp_[0-9A-Za-z]{32})/.exec(text)?.[1] as string;
      expect(url).toBeTruthy();
      expect(key).toBeTruthy();
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const inserted = await waitFor(async () => {
        const s = (await (await fetch(`${url}/status`, { headers: { authorization: `Bearer ${key}` } })).json()) as { collector: { totalInserted: number } };
        return s.collector.totalInserted >= 40 ? s.collector.totalInserted : null;
      }, { timeoutMs: 10_000, intervalMs: 100, what: '40 inserted demo events' });
      expect(inserted).toBeGreaterThanOrEqual(40);
      expect(text).toMatch(/prices:\s+60 demo models priced/);
      const summary = (await (await fetch(`${url}/v0/management/analytics/summary?from=0&to=${Date.now() + 2 * 86_400_000}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { costMicros: number; unpricedRequests: number; requests: number };
      expect(summary.requests).toBeGreaterThanOrEqual(40);
      expect(summary.costMicros).toBeGreaterThan(0);
      expect(summary.unpricedRequests).toBe(0);
      expect(text).toMatch(/pool:\s+\d+ Codex \+ \d+ Claude accounts/);
    } finally {
      await result.stop?.();
    }
  });

  it('sets up the pool in the background: accounts, policy, a finished inspection with varied results, an alert rule with incidents', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const io = memoryIo({}, dir.path);
    const started = Date.now();
    const result = await runCli(['demo', '--port', '0', '--events', '40'], io);
    expect(result.code).toBe(0);
    try {
      const text = io.stdout.join('');
      const url = /panel:\s+(http:\/\/127\.0\.0\.1:\d+)\/management\.html/.exec(text)?.[1] as string;
      const key = /admin key:\s+(cpamp_[0-9A-Za-z]{32})/.exec(text)?.[1] as string;
      // The URL is printed and answers before the pool set-up has finished.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const get = async <T>(path: string): Promise<T> => {
        const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
        expect(res.status, path).toBe(200);
        return (await res.json()) as T;
      };
      type Run = { id: number; state: string; total: number; counts: Record<string, number> };
      const run: Run | undefined = await waitFor(async () => (await get<{ items: Run[] }>('/v0/management/pool/inspections')).items.find((r) => r.state !== 'running'), { timeoutMs: 20_000, intervalMs: 200, what: 'a finished inspection run' });
      expect(run?.state).toBe('done');
      expect(run?.total).toBeGreaterThanOrEqual(30);
      expect(run?.counts).toMatchObject({ exhausted: expect.any(Number), unauthorized: 1, banned: 1 });
      expect(run?.counts.exhausted).toBeGreaterThanOrEqual(3);
      expect(run?.counts.ok).toBeGreaterThanOrEqual(20);

      const overview = await get<{ counts: Record<string, number>; providers: { provider: string; verdict: string }[] }>('/v0/management/pool/overview');
      expect(overview.counts.total).toBeGreaterThanOrEqual(30);
      expect(overview.providers.map((p) => p.provider)).toEqual(expect.arrayContaining(['codex', 'claude']));
      expect(overview.providers.some((p) => p.verdict !== 'no-data')).toBe(true);
      const policy = await get<{ policy: Record<string, unknown> }>('/v0/management/pool/policy');
      expect(policy.policy).toMatchObject({ autoDisableOnExhaustion: true, autoRestoreAtReset: true, authIssueQueue: true, inspectionIntervalMinutes: 5 });
      const cooldown = await get<{ total: number }>('/v0/management/pool/accounts?status=cooldown');
      expect(cooldown.total).toBeGreaterThanOrEqual(3);

      const rules = await get<{ items: { kind: string; channelIds: number[] }[] }>('/v0/management/alerts/rules');
      expect(rules.items).toHaveLength(1);
      expect(rules.items[0]?.channelIds).toHaveLength(1);
      const channels = await get<{ items: { type: string }[] }>('/v0/management/alerts/channels');
      expect(channels.items.map((c) => c.type)).toEqual(['sse']);
      const incidents = await get<{ items: { kind: string; state: string }[] }>('/v0/management/alerts/incidents?state=open');
      expect(incidents.items.filter((i) => i.kind === 'quota-low').length).toBeGreaterThanOrEqual(3);
    } finally {
      await result.stop?.();
    }
  });

  it('the demo price file covers every model of the generator catalog', () => {
    const file = demoPriceFile();
    expect(MODEL_CATALOG.filter((m) => !file[m.id])).toEqual([]);
    for (const entry of Object.values(file)) expect(entry.input_cost_per_token).toBeGreaterThan(0);
  });
});
