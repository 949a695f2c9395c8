// A pool-only app for behaviour tests: real fastify routes, real SQLite, the fake CPA over HTTP, a fake
// clock and no timer (tests call service.tick()). Admin auth is covered by pool-app.test.ts via buildApp.
import { serializerCompiler, validatorCompiler } from '@fastify/type-provider-zod';
import Fastify, { type FastifyInstance } from 'fastify';
import { openStore, type Store } from '@cpamp/store';
import { startFakeCpa, type FakeAuthFile, type FakeCpa } from '@cpamp/testkit';
import { defineConfig, type Config } from '../src/index';
import { createConnectionService, createLiveHub, createSignalBus, errorHandler, poolPlugin, poolRoutes, type AlertSignal, type PoolService } from '../src/testing';
import { tempDir } from './helpers';

export const T0 = Date.UTC(2026, 10, 16, 10, 0);

export function codexFile(i: number, opts: { disabled?: boolean } = {}): FakeAuthFile {
  return {
    name: `codex-u${i}@pool.test-plus.json`,
    authIndex: `a${i}`,
    content: { type: 'codex', email: `u${i}@pool.test`, access_token: `tok-${i}`, account_id: `acc-${i}`, ...(opts.disabled ? { disabled: true } : {}) },
  };
}

export interface PoolHarness {
  app: FastifyInstance;
  fake: FakeCpa;
  store: Store;
  service: PoolService;
  signals: AlertSignal[];
  published: { type: string; [k: string]: unknown }[];
  advance(ms: number): void;
  now(): number;
  /** Starts a run through HTTP and waits for it to finish. */
  inspect(body?: object): Promise<{ id: number; state: string; counts: Record<string, number> }>;
  disabledInCpa(authIndex: string): boolean;
  close(): Promise<void>;
}

export async function startPoolHarness(opts: { files: FakeAuthFile[]; automation?: Partial<Config['automation']> }): Promise<PoolHarness> {
  let t = T0;
  const now = () => t;
  const fake = await startFakeCpa({ authFiles: opts.files, now });
  const dir = tempDir('cpamp-pool-');
  const store = await openStore({ path: ':memory:', now });
  const base = defineConfig({ dataDir: dir.path, cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey });
  const config: Config = { ...base, automation: { ...base.automation, ...opts.automation } };
  const signalBus = createSignalBus({ now });
  const signals: AlertSignal[] = [];
  signalBus.on((s) => void signals.push(s));
  const connection = await createConnectionService(config, store.settings);
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  const live = createLiveHub({ now });
  const published: PoolHarness['published'] = [];
  live.subscribe((e) => {
    if (e.kind === 'pool') published.push(JSON.parse(e.data) as PoolHarness['published'][number]);
  });
  await app.register(poolPlugin, { store, connection, automation: config.automation, cpaTimeoutMs: config.proxy.timeoutMs, now, signals: signalBus, live, tickMs: 0 });
  await app.register(poolRoutes, { pool: app.pool, store, connection, now });
  await app.ready();
  const h: PoolHarness = {
    app,
    fake,
    store,
    service: app.pool,
    signals,
    published,
    advance: (ms) => void (t += ms),
    now,
    async inspect(body = {}) {
      const res = await app.inject({ method: 'POST', url: '/v0/management/pool/inspections', payload: body });
      if (res.statusCode !== 202) throw new Error(`inspection did not start: ${res.statusCode} ${res.body}`);
      const { run } = res.json() as { run: { id: number } };
      await h.service.inspections.active()?.done;
      return (await app.inject({ url: `/v0/management/pool/inspections/${run.id}` })).json().run as { id: number; state: string; counts: Record<string, number> };
    },
    disabledInCpa: (authIndex) => fake.authFiles().find((f) => f.authIndex === authIndex)?.content.disabled === true,
    async close() {
      await app.close();
      live.close();
      await store.close();
      await fake.close();
      dir.cleanup();
    },
  };
  return h;
}
