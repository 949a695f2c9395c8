import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { buildApp, defineConfig, type AppDeps, type Config } from '../src/index';

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
