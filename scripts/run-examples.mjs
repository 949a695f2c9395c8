// Runs every examples/<name> (its `npm start`), as CI does, and fails on the first non-zero exit.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'examples');
const names = existsSync(dir) ? readdirSync(dir).filter((n) => existsSync(join(dir, n, 'package.json'))) : [];
let failed = 0;
let ran = 0;
for (const name of names) {
  const pkg = JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8'));
  if (!pkg.scripts?.start || pkg.cpamp?.ci === false) {
    console.log(`skip example ${name} (not runnable in CI)`);
    continue;
  }
  ran++;
  const started = Date.now();
  const res = spawnSync('npm', ['start', '--silent'], { cwd: join(dir, name), stdio: 'inherit', timeout: 120_000 });
  const ms = Date.now() - started;
  if (res.status === 0) console.log(`ok   example ${name} (${ms} ms)`);
  else {
    failed++;
    console.error(`FAIL example ${name}: exit ${res.status ?? res.signal}`);
  }
}
console.log(`examples: ${ran - failed} passed, ${failed} failed`);
if (failed) process.exit(1);
