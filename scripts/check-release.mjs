/* global fetch, setTimeout, clearTimeout */
// Release check, run by CI after `npm run build`: what a user gets from the registry works on its own.
//   1. every published package: no private or workspace-only dependency at run time
//   2. `npm pack` each one, `npm publish --dry-run` the tarball, install the tarballs into an empty temp project (no workspace links)
//   3. import @cpamp/sdk-cpa, @cpamp/collector, @cpamp/store and @cpamp/server there
//   4. `npx cpamp serve` there (free port, temp data dir), fetch /health and /management.html
// Usage: node scripts/check-release.mjs [--keep]   (--keep leaves the temp project for a look)
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const keep = process.argv.includes('--keep');
const started = Date.now();
const log = (msg) => console.log(`[release +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
function run(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
  }
}

const manifests = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }));
const privateNames = new Set(manifests.filter((m) => m.pkg.private).map((m) => m.pkg.name));
const published = manifests.filter((m) => !m.pkg.private);

// 1. Run-time dependencies of published packages: no private package, no workspace/file/link specifier.
const problems = [];
for (const { pkg } of published) {
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (privateNames.has(name)) problems.push(`${pkg.name} ${field} has the private package ${name}`);
      if (/^(workspace|file|link):/.test(range)) problems.push(`${pkg.name} ${field}.${name} is "${range}"`);
    }
  }
}
if (problems.length) {
  console.error(problems.map((p) => `FAIL ${p}`).join('\n'));
  process.exit(1);
}
log(`${published.length} published packages, run-time dependencies ok`);

// 2. Pack and install into an empty project.
const tmp = mkdtempSync(join(tmpdir(), 'cpamp-release-'));
const tarballs = join(tmp, 'tarballs');
const app = join(tmp, 'app');
mkdirSync(tarballs);
mkdirSync(app);
let server;
try {
  const files = published.map(({ dir }) => {
    const [info] = JSON.parse(
      run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tarballs], dir),
    );
    return join(tarballs, info.filename);
  });
  log(`packed ${files.map((f) => f.split('/').pop()).join(', ')}`);
  for (const [i, file] of files.entries()) {
    // --dry-run validates the tarball and manifest as the registry would, without uploading.
    run('npm', ['publish', '--dry-run', '--ignore-scripts', '--loglevel=error', file], tmp);
    log(`ok   npm publish --dry-run ${published[i].pkg.name}@${published[i].pkg.version}`);
  }
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'release-check', private: true, type: 'module' }),
  );
  // Install scripts are skipped, then better-sqlite3's native addon is provided (below): this check is about
  // our packages; compiling SQLite once more would add minutes to CI and test nothing of ours.
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...files], app);
  provideBetterSqlite3(app);
  log('installed the tarballs into an empty project');
  const links = readdirSync(join(app, 'node_modules', '@cpamp'));
  for (const name of links) {
    const target = join(app, 'node_modules', '@cpamp', name);
    if (
      !existsSync(join(target, 'package.json')) ||
      readFileSync(join(target, 'package.json'), 'utf8').includes('"private": true')
    )
      throw new Error(`node_modules/@cpamp/${name} is not a published package`);
  }
  if (links.some((name) => privateNames.has(`@cpamp/${name}`)))
    throw new Error(`a private package was installed: ${links}`);

  // 3. Imports, as an ESM user writes them.
  writeFileSync(
    join(app, 'imports.mjs'),
    `import { createCpaClient } from '@cpamp/sdk-cpa';
import { createCollector } from '@cpamp/collector';
import { openStore } from '@cpamp/store';
import { buildApp } from '@cpamp/server';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
for (const [name, fn] of Object.entries({ createCpaClient, createCollector, openStore, buildApp }))
  if (typeof fn !== 'function') throw new Error(name + ' is not exported');
const html = createRequire(import.meta.url).resolve('@cpamp/panel/management.html');
if (!existsSync(html)) throw new Error('no management.html');
const store = await openStore({ path: process.argv[2] });
await store.close();
console.log('imports ok');
`,
  );
  run(process.execPath, ['imports.mjs', join(tmp, 'import-check', 'store.sqlite')], app);
  log('imported @cpamp/sdk-cpa, collector, store, server and the panel file');

  // 4. `npx cpamp serve` from the installed tarballs.
  const version = published.find((m) => m.pkg.name === '@cpamp/server').pkg.version;
  const printed = run('npx', ['--no-install', 'cpamp', '--version'], app).trim();
  if (printed !== version) throw new Error(`cpamp --version printed ${printed}, expected ${version}`);
  const dataDir = join(tmp, 'data');
  server = spawn(
    'npx',
    ['--no-install', 'cpamp', 'serve', '--http-addr', '127.0.0.1:0', '--data-dir', dataDir],
    {
      cwd: app,
      env: { ...process.env, CPAMP_DOCKER: '0', CPAMP_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: npx and node stop together
    },
  );
  const url = await waitForUrl(server, 30_000);
  const health = await (await fetch(`${url}/health`)).json();
  if (health.status !== 'ok' || health.version !== version)
    throw new Error(`/health: ${JSON.stringify(health)}`);
  const page = await fetch(`${url}/management.html`);
  const body = await page.text();
  if (!page.ok || !body.includes('<html')) throw new Error(`/management.html: HTTP ${page.status}`);
  log(
    `npx cpamp serve: /health ${JSON.stringify(health)}, /management.html ${(body.length / 1024).toFixed(0)} KiB`,
  );
  await stop(server);
  server = undefined;
  log('release check passed');
} finally {
  if (server) await stop(server).catch(() => {});
  if (keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

/** The addon built for this Node by the workspace install when the version matches, else a rebuild. */
function provideBetterSqlite3(appDir) {
  const ours = join(root, 'node_modules', 'better-sqlite3');
  const theirs = join(appDir, 'node_modules', 'better-sqlite3');
  const versionOf = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  if (
    existsSync(join(ours, 'build', 'Release', 'better_sqlite3.node')) &&
    versionOf(ours) === versionOf(theirs)
  ) {
    cpSync(join(ours, 'build'), join(theirs, 'build'), { recursive: true });
  } else {
    run('npm', ['rebuild', 'better-sqlite3', '--loglevel=error'], appDir);
  }
}

function waitForUrl(child, timeoutMs) {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`cpamp serve printed no URL in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk) => {
      output += chunk;
      const match = /cpamp (http:\/\/\S+?)\/management\.html/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cpamp serve exited with ${code}:\n${output}`));
    });
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(-child.pid, 'SIGTERM');
  });
}
