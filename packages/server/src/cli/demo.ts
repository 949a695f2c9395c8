// `cpamp demo`: a simulated CPA (fake CPA from @cpamp/testkit, bundled into dist) and a Manager Server
// wired to it through the env-managed connection, in a temporary data directory. The fake holds the auth
// files of the generated account pool (the one the generated usage refers to); the pool, its policy and
// an alert rule are set up in the background once the URL is printed (demo-pool.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { emitUsage, generateAccountPool, generateUsage, startFakeCpa } from '@cpamp/testkit';
import { loadConfig } from '../config';
import { startServer } from '../main';
import { generateAdminKey } from '../security/admin-credential';
import { DEMO_ACCOUNTS, DEMO_INSPECTION_MINUTES, DEMO_SEED, planDemoPool, seedDemoQuotas, startDemoPool, type DemoPool } from './demo-pool';
import { demoPriceFile } from './demo-prices';
import { replayInRealTime } from './demo-traffic';
import type { CliIo, CliResult } from './run-cli';

export async function runDemo(args: readonly string[], io: CliIo): Promise<CliResult> {
  const { values } = parseArgs({
    args: [...args],
    options: { port: { type: 'string', default: '18317' }, keep: { type: 'boolean', default: false }, events: { type: 'string', default: '5000' } },
    strict: true,
    allowPositionals: false,
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'cpamp-demo-'));
  const accounts = generateAccountPool({ seed: DEMO_SEED, accounts: DEMO_ACCOUNTS });
  const plan = planDemoPool(accounts);
  const fake = await startFakeCpa({
    usageStatisticsEnabled: true,
    retentionSeconds: 60,
    authFiles: accounts.flatMap((a) => (a.file ? [a.file] : [])),
  });
  seedDemoQuotas(fake.accounts, plan, Date.now());
  const adminKey = generateAdminKey();
  const configFor = (port: string) =>
    loadConfig({
      env: {
        USAGE_DATA_DIR: dataDir,
        HTTP_ADDR: `127.0.0.1:${port}`,
        CPA_UPSTREAM_URL: fake.url,
        CPA_MANAGEMENT_KEY: fake.managementKey,
        CPAMP_ADMIN_KEY: adminKey,
        CPAMP_LOG_LEVEL: 'warn',
        CPAMP_DOCKER: '0',
      },
      cwd: dataDir,
      readFile: () => null,
      fileExists: () => false,
    });
  const traffic = new AbortController();
  let pool: DemoPool | null = null;
  const cleanup = async (): Promise<void> => {
    traffic.abort();
    await pool?.stop();
    await fake.close();
    if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  };
  let server;
  try {
    try {
      server = await startServer(configFor(values.port ?? '18317'), { out: io.out, handleSignals: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      io.err.write(`port ${values.port} is busy; using a free port\n`);
      server = await startServer(configFor('0'), { out: io.out, handleSignals: false });
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  // Prices first, through the same sync route a user would use, so the generated traffic has costs.
  const priced = await server.app.inject({
    method: 'POST',
    url: '/v0/management/model-prices/sync',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    payload: demoPriceFile(),
  });
  const pricedModels = priced.statusCode === 200 ? (priced.json() as { matched: unknown[] }).matched.length : 0;
  if (priced.statusCode !== 200) io.err.write(`cpamp demo: seeding model prices failed (${priced.statusCode}); costs will show as unpriced\n`);
  // A week of history ending now, at full speed, then live traffic (about 2 records/s over the day's rhythm)
  // published as each record comes due. The same seed and pool size as the auth files, so every auth_index resolves.
  const history = Math.max(0, Math.min(200_000, Number(values.events) || 0));
  const usage = (events: number, end: number) => generateUsage({ seed: DEMO_SEED, accounts: DEMO_ACCOUNTS, events, days: 1, end });
  void emitUsage(fake, generateUsage({ seed: DEMO_SEED, accounts: DEMO_ACCOUNTS, events: history, days: 7, end: Date.now() }), { ratePerSecond: 5_000, signal: traffic.signal })
    .then(() => replayInRealTime(fake, usage(172_800, Date.now() + 86_400_000), { signal: traffic.signal }))
    .catch(() => undefined);
  io.out.write(
    `\ncpamp demo\n  panel:      ${server.url}/management.html\n  admin key:  ${adminKey}\n` +
      `  prices:     ${pricedModels} demo models priced (Prices page; sync the real LiteLLM file for real prices)\n` +
      `  pool:       ${plan.codex.length} Codex + ${plan.claude.length} Claude accounts; inspected now and every ${DEMO_INSPECTION_MINUTES} min (Pool page)\n` +
      `  alerts:     rule "quota low" with an in-panel channel (Alerts page)\n` +
      `  fake CPA:   ${fake.url} (management key ${fake.managementKey})\n  data dir:   ${dataDir}${values.keep ? ' (kept)' : ' (removed on exit)'}\n\nCtrl-C to stop.\n`,
  );
  // After the banner: the server already answers while the pool is set up.
  const app = server.app;
  pool = startDemoPool({
    quota: fake.accounts,
    plan,
    inject: async (req) => {
      const res = await app.inject({ ...req, headers: { authorization: `Bearer ${adminKey}` } });
      return { statusCode: res.statusCode, body: res.body };
    },
    disabledFiles: () => new Set(fake.authFiles().filter((f) => f.content.disabled === true).map((f) => f.name)),
    warn: (message) => io.err.write(`cpamp demo: ${message}\n`),
  });
  const running = server;
  return {
    code: 0,
    server: running,
    stop: async () => {
      // The pool set-up talks to the app: stop it before the app closes.
      await pool?.stop();
      await running.close();
      await cleanup();
    },
  };
}
