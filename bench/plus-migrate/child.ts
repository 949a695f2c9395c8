// The migration itself, in a process of its own so the sampled RSS is the migration's (plus the tsx loader's).
// Usage: tsx bench/plus-migrate/child.ts <plus data dir>
import { loadConfig } from '../../packages/server/src/config';
import { migratePlus, planPlusSwitch } from '../../packages/server/src/plus-switch/migrate-plus';

const dir = process.argv[2]!;
let peak = process.memoryUsage().rss;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 50);
const config = loadConfig({ env: { USAGE_DATA_DIR: dir, CPAMP_DOCKER: '0' }, argv: [], cwd: dir });
const { plan } = planPlusSwitch(config);
if (!plan) throw new Error(`no Plus database to migrate in ${dir}`);
const noop = (): void => undefined;
const lines: string[] = [];
const t = performance.now();
const cpu0 = process.cpuUsage();
const report = await migratePlus(config, plan, {
  logger: { debug: noop, info: noop, warn: noop, error: noop },
  progress: (line) => {
    lines.push(line);
    process.stderr.write(
      `${line} (${Math.round((performance.now() - t) / 1000)} s, RSS ${Math.round(process.memoryUsage().rss / 1048576)} MB)\n`,
    );
  },
  now: Date.now,
});
const ms = performance.now() - t;
const cpu = process.cpuUsage(cpu0);
const cpuSec = (cpu.user + cpu.system) / 1e6;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
process.stdout.write(
  `${JSON.stringify({ ms, cpuSec, rssMb: Math.round(peak / 1048576), report, progressLines: lines.length })}\n`,
);
