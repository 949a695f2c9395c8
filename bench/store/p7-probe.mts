// P7 probe: spawns the built `cpamp serve` on an existing data dir N times (pointed at an idle fake CPA, as
// the server bench does) and prints spawn → listen line and spawn → first /health 200.
// Usage: node --import tsx bench/store/p7-probe.mts <dataDir> [runs] [logLevel]
import { startFakeCpa } from '@cpamp/testkit';
import { BENCH_ADMIN_KEY, spawnBenchServer, stopBenchServer, waitForHealth } from '../lib/bench-server';

const [dir, n = '3', level = 'warn'] = process.argv.slice(2);
if (!dir) throw new Error('usage: p7-probe.mts <dataDir> [runs] [logLevel]');
const fake = await startFakeCpa({});
for (let i = 0; i < Number(n); i++) {
  const t0 = performance.now();
  const s = spawnBenchServer(dir, BENCH_ADMIN_KEY, {
    CPA_UPSTREAM_URL: fake.url,
    CPA_MANAGEMENT_KEY: fake.managementKey,
    LOG_LEVEL: level,
  });
  const lines: string[] = [];
  const tag = (c: Buffer) => {
    for (const l of c.toString().split('\n'))
      if (l.trim()) lines.push(`${Math.round(performance.now() - t0)} ms ${l.slice(0, 200)}`);
  };
  s.proc.stdout!.on('data', tag);
  s.proc.stderr!.on('data', tag);
  const url = await s.url;
  const tListen = performance.now() - t0;
  await waitForHealth(url);
  console.log(
    `run ${i}: listen line ${Math.round(tListen)} ms, /health 200 ${Math.round(performance.now() - t0)} ms`,
  );
  if (level !== 'warn') console.log(lines.join('\n'));
  await stopBenchServer(s.proc);
}
await fake.close();
