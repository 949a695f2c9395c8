import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { buildApp, defineConfig, loadConfig, type AppDeps, type Config } from '../src/index';
import type { CliIo } from '../src/testing';

export function tempDir(prefix = 'cpamp-server-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestApp {
  app: FastifyInstance;
  adminKey: string;
  dataDir: string;
  routes: RouteOptions[];
  logs: string[];
  close(): Promise<void>;
}

/** A real app on a temp data dir with a captured log and a known admin key. */
export async function startTestApp(overrides: Partial<Config> = {}, deps: AppDeps = {}): Promise<TestApp> {
  const dir = tempDir();
  const routes: RouteOptions[] = [];
  const logs: string[] = [];
  let adminKey = overrides.adminKey ?? '';
  const config = defineConfig({ dataDir: dir.path, logLevel: 'info', ...overrides });
  const app = await buildApp(config, {
    logStream: { write: (line: string) => void logs.push(line) },
    onAdminKeyGenerated: (key) => {
      adminKey = key;
    },
    onRoute: (route) => void routes.push(route),
    // An http-mode collector waits for a pop already on the wire (up to its CPA timeout); tests need not.
    collectorStopTimeoutMs: 1_500,
    ...deps,
  });
  await app.ready();
  return {
    app,
    get adminKey() {
      return adminKey;
    },
    dataDir: dir.path,
    routes,
    logs,
    async close() {
      await app.close();
      dir.cleanup();
    },
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export interface WaitForOptions {
  /** Deadline (default 5 s); past it waitFor throws, naming `what`. */
  timeoutMs?: number;
  /** Poll period (default 20 ms). */
  intervalMs?: number;
  /** What is awaited, for the error message. */
  what?: string;
}

/**
 * Polls `probe` until it returns a truthy value, which is returned, or throws once the deadline passes.
 * Tests wait for a condition this way instead of sleeping a fixed time.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error(`${opts.what ?? 'condition'} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}

/** A CLI io that records what the command prints; config from `env` (never the real process env). */
export function memoryCliIo(env: Record<string, string>, cwd: string): CliIo & { stdout: string[]; stderr: string[]; text(): string; errText(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    text: () => stdout.join(''),
    errText: () => stderr.join(''),
    out: { write: (s: string) => void stdout.push(s) },
    err: { write: (s: string) => void stderr.push(s) },
    loadConfig: (argv) => loadConfig({ env: { CPAMP_DOCKER: '0', CPAMP_LOG_LEVEL: 'silent', ...env }, argv, cwd }),
  };
}
