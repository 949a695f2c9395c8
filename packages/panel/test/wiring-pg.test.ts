import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, defineConfig } from '@cpamp/server';
import { openPgStore, type PgStore } from '@cpamp/store';
import {
  pgTestsDisabled,
  startFakeCpa,
  startTestPostgres,
  type FakeCpa,
  type TestPostgres,
} from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPanel, type BuiltPanel } from './build-panel';
import { adminLogin, collectErrors, launchChromium, listenLocal, navTo, openPage } from './walk-harness';

// Two cpamp instances on one Postgres: the panel of the second names the first as the holder of the leases.
const suite = pgTestsDisabled() ? describe.skip : describe;
const ADMIN_KEY = 'test-admin-key-panel-wiring-pg-0123456789';
const DATA_KEY = 'c'.repeat(64);

interface Instance {
  store: PgStore;
  app: FastifyInstance;
  url: string;
  dir: string;
}

suite('Instances card with two instances on one Postgres (Chromium)', () => {
  let built: BuiltPanel;
  let pg: TestPostgres;
  let fake: FakeCpa;
  let browser: Browser;
  const instances: Instance[] = [];

  const leaseHolders = async (url: string) => {
    const res = await fetch(`${url}/status`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    return (
      (await res.json()) as { instance: { leases: { name: string; held: boolean; holder: string | null }[] } }
    ).instance.leases;
  };

  async function start(instanceId: string): Promise<Instance> {
    const dir = await mkdtemp(join(tmpdir(), `cpamp-panel-wiring-${instanceId}-`));
    const store = await openPgStore({
      connectionString: pg.url,
      schema: `wiring_${process.pid}`,
      dataKey: DATA_KEY,
      poolSize: 3,
      instanceId,
    });
    const config = defineConfig({
      dataDir: dir,
      adminKey: ADMIN_KEY,
      cpaUpstreamUrl: fake.url,
      cpaManagementKey: fake.managementKey,
      panelPath: join(built.dir, 'management.html'),
      logLevel: 'error',
    });
    const app = await buildApp(config, {
      store,
      logStream: { write: () => undefined },
      retentionSchedule: false,
      ha: { ttlMs: 4000, heartbeatMs: 500 },
    });
    const inst = { store, app, url: await listenLocal(app), dir };
    instances.push(inst);
    return inst;
  }

  beforeAll(async () => {
    [built, pg, fake] = await Promise.all([buildPanel(), startTestPostgres(), startFakeCpa({})]);
    const east = await start('east-1');
    // The first instance takes every lease before the second starts.
    for (const until = Date.now() + 15_000; !(await leaseHolders(east.url)).every((l) => l.held);) {
      if (Date.now() > until) throw new Error('the first instance did not take its leases in 15 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    await start('west-2');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const i of instances.reverse()) {
      await i.app.close();
      await i.store.close();
      await rm(i.dir, { recursive: true, force: true });
    }
    await fake?.close();
    await pg?.stop();
    await built?.cleanup();
  });

  it("the second instance's Collector page names the first as holder of each lease", async () => {
    const west = instances[1]!;
    await expect
      .poll(async () => (await leaseHolders(west.url)).map((l) => l.holder), { timeout: 15_000 })
      .toSatisfy((h: (string | null)[]) => h.length > 0 && h.every((x) => x === 'east-1'));
    const leases = await leaseHolders(west.url);
    const page = await openPage(browser);
    const problems: string[] = [];
    collectErrors(page, problems);
    await adminLogin(page, west.url, ADMIN_KEY);
    await navTo(page, 'Collector');
    const card = page.getByTestId('instances');
    await expect.poll(() => card.getByTestId('instance-id').textContent()).toBe('west-2');
    await card.getByText('Shares its database with other cpamp instances', { exact: false }).waitFor();
    for (const l of leases) await card.locator(`tr[data-lease="${l.name}"]`).getByText('east-1').waitFor();
    await card.getByText('Collector · default').waitFor();
    await page.context().close();
    expect(problems).toEqual([]);
  });
});
