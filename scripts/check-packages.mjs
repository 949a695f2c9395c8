// publint + attw (esm-only) on every published package; run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failed = 0;
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  const pkgFile = join(pkgDir, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  if (pkg.private) continue;
  const checks = [[bin('publint'), ['--strict']]];
  // attw checks JavaScript entry points; the panel publishes a single HTML file.
  if (pkg.exports?.['.']) checks.push([bin('attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'table-flipped']]);
  for (const [cmd, args] of checks) {
    try {
      execFileSync(cmd, args, { cwd: pkgDir, stdio: 'pipe' });
      console.log(`ok   ${pkg.name}: ${cmd.split('/').pop()}`);
    } catch (err) {
      failed++;
      console.error(`FAIL ${pkg.name}: ${cmd.split('/').pop()}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
  }
}
if (failed) {
  console.error(`${failed} package check(s) failed`);
  process.exit(1);
}
