// `npm run bench [-- <name>]`: runs bench/<name>/index.ts (all of them without a name).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const benchDir = join(root, 'bench');
mkdirSync(join(benchDir, 'results'), { recursive: true });
const all = readdirSync(benchDir).filter((n) => existsSync(join(benchDir, n, 'index.ts')));
const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : all;
for (const name of names) {
  if (!all.includes(name)) {
    console.error(`no benchmark '${name}' (have: ${all.join(', ') || 'none'})`);
    process.exit(2);
  }
  console.log(`\n== bench ${name}`);
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(benchDir, name, 'index.ts')], {
    stdio: 'inherit',
    cwd: root,
  });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
