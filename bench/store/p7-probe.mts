// P7 probe: spawns the built `cpamp serve` on an existing data dir N times (pointed at an idle fake CPA, as
// the server bench does) and prints spawn → listen line and spawn → first /health 200.
// Usage: node --import tsx bench/store/p7-probe.mts <dataDir> [runs] [logLevel]
import { startFakeCpa } from '@cpamp/testkit';
import { spawnBenchServer } from '../lib/bench-server';

const [dir, n = '3', level = 'warn'] = process.argv.slice(2);
if (!dir) throw new Error('usage: p7-probe.mts <dataDir> [runs] [logLevel]');
const fake = await startFakeCpa({});
for (let i = 0; i < Number(n); i++) {
  const t0 = performance.now();
  const s = spawnBenchServer(dir, 'cpamp_bench_admin_key_0123456789abcdef', {
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
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  console.log(
    `run ${i}: listen line ${Math.round(tListen)} ms, /health 200 ${Math.round(performance.now() - t0)} ms`,
  );
  if (level !== 'warn') console.log(lines.join('\n'));
  await new Promise((r) => {
    s.proc.once('exit', r);
    s.proc.kill('SIGTERM');
  });
}
await fake.close();
