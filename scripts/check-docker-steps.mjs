/* global fetch, setTimeout */
// The Docker path without a Docker engine: reads examples/docker/Dockerfile and runs its steps in a scratch
// folder, so the file is the one source of the steps and this check cannot drift from it.
//   build stage:   COPY . . (the tracked files), every RUN (npm ci, build, prune; apt-get is skipped: the
//                  compiler it installs must already be here)
//   runtime stage: COPY --from=build, the non-root user (`nobody` when run as root, else yourself), the
//                  `ln -s … /usr/local/bin/cpamp` link, ENV, then ENTRYPOINT on a free port with a /data-like
//                  folder, and the HEALTHCHECK command against it.
// Paths in the Dockerfile map into the scratch folder (/src, /app, /data, /usr/local/bin). A RUN step of a
// kind not handled below fails the check: teach it here when the Dockerfile grows.
// Usage: node scripts/check-docker-steps.mjs [--keep] [--save-sqlite-build <dir>]
//   --save-sqlite-build copies the better-sqlite3 addon the build stage compiled (for this Node) to <dir>,
//   so CI's Node 22 test run can use it instead of compiling SQLite once more.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dockerfile = join(root, 'examples', 'docker', 'Dockerfile');
const keep = process.argv.includes('--keep');
const saveSqliteAt = process.argv.includes('--save-sqlite-build')
  ? process.argv[process.argv.indexOf('--save-sqlite-build') + 1]
  : null;
const started = Date.now();
const log = (msg) => console.log(`[docker-steps +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

/** Dockerfile instructions per stage: continuation lines joined, comments dropped. */
export function parseDockerfile(text) {
  const lines = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    if (line.endsWith('\\')) current += `${line.slice(0, -1).trim()} `;
    else {
      lines.push((current + line.trim()).trim());
      current = '';
    }
  }
  const stages = [];
  for (const line of lines) {
    const [, instruction, args] = /^(\w+)\s+(.*)$/s.exec(line) ?? [];
    if (!instruction) continue;
    const op = instruction.toUpperCase();
    if (op === 'FROM') {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
      stages.push({ image, name: name ?? null, steps: [] });
    } else stages.at(-1)?.steps.push({ op, args });
  }
  return stages;
}

/** The step kinds this script emulates, per stage; anything else in the Dockerfile fails the check. */
const SUPPORTED = {
  build: [
    { op: 'WORKDIR' },
    { op: 'COPY', args: /^\. \.$/ },
    { op: 'RUN', args: /^apt-get\b/ }, // skipped: system packages
    { op: 'RUN', args: /^npm\b/ },
  ],
  runtime: [
    { op: 'ENV' },
    { op: 'WORKDIR' },
    { op: 'COPY', args: /^--from=\S+\s+\S+\s+\S+$/ },
    { op: 'RUN', args: /^groupadd\b.*&&\s*useradd\b/ },
    { op: 'RUN', args: /^ln -s \S+ \S+$/ },
    { op: 'USER' },
    { op: 'VOLUME' },
    { op: 'EXPOSE' },
    { op: 'HEALTHCHECK', args: /CMD\s+\[.*\]$/ },
    { op: 'ENTRYPOINT', args: /^\[.*\]$/ },
  ],
};

/** The build and runtime stages, or an error naming the first step this script cannot emulate. */
export function planStages(stages) {
  const build = stages.find((s) => s.name === 'build');
  const runtime = stages.at(-1);
  if (!build || runtime === build) throw new Error('expected a "build" stage and a runtime stage');
  for (const [kind, stage] of [
    ['build', build],
    ['runtime', runtime],
  ]) {
    for (const { op, args } of stage.steps) {
      const known = SUPPORTED[kind].some((k) => k.op === op && (!k.args || k.args.test(args.trim())));
      if (!known)
        throw new Error(
          `${kind} stage: no emulation for "${op} ${args}"; add it to scripts/check-docker-steps.mjs`,
        );
    }
  }
  for (const op of ['ENTRYPOINT', 'HEALTHCHECK'])
    if (!runtime.steps.some((s) => s.op === op)) throw new Error(`the runtime stage needs ${op}`);
  return { build, runtime };
}

const parseEnv = (args) => Object.fromEntries([...args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

async function main() {
  const stages = parseDockerfile(readFileSync(dockerfile, 'utf8'));
  const { build, runtime } = planStages(stages);
  const nodeMajor = process.versions.node.split('.')[0];
  const imageMajor = /^node:(\d+)/.exec(runtime.image)?.[1];
  log(`Dockerfile base ${runtime.image}; running on node ${process.versions.node}`);
  if (imageMajor !== nodeMajor)
    log(`note: the image uses Node ${imageMajor}; put that Node first on PATH to match it`);

  const scratch = mkdtempSync(join(tmpdir(), 'cpamp-docker-steps-'));
  chmodSync(scratch, 0o755); // the runtime user must reach /app inside it
  const dirs = {
    '/src': join(scratch, 'src'),
    '/app': join(scratch, 'app'),
    '/data': join(scratch, 'data'),
    '/usr/local/bin': join(scratch, 'usr-local-bin'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const mapPath = (p) => {
    for (const [from, to] of Object.entries(dirs))
      if (p === from || p.startsWith(`${from}/`)) return to + p.slice(from.length);
    throw new Error(`no scratch folder for the path ${p}`);
  };
  let child;
  try {
    // --- build stage
    let cwd = scratch;
    for (const { op, args } of build.steps) {
      if (op === 'WORKDIR') cwd = mapPath(args.trim());
      else if (op === 'COPY' && args.trim() === '. .') {
        // The build context minus Dockerfile.dockerignore: the tracked files are that (node_modules, dist, data
        // and databases are git-ignored as well).
        const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
          cwd: root,
          encoding: 'utf8',
        })
          .split('\0')
          .filter((f) => f && existsSync(join(root, f)));
        for (const f of files) cpSync(join(root, f), join(cwd, f), { recursive: false });
        log(`COPY . . (${files.length} files)`);
      } else if (op === 'RUN' && /^apt-get\b/.test(args)) {
        log(`skip RUN ${args.slice(0, 60)}… (system packages; python3, make and g++ must be installed here)`);
      } else if (op === 'RUN' && /^npm\b/.test(args)) {
        const t = Date.now();
        const res = spawnSync('sh', ['-c', args], {
          cwd,
          stdio: ['ignore', 'inherit', 'inherit'],
          env: process.env,
        });
        if (res.status !== 0) throw new Error(`RUN ${args} failed (exit ${res.status})`);
        log(`RUN ${args} (${((Date.now() - t) / 1000).toFixed(0)} s)`);
      } else
        throw new Error(
          `build stage: no emulation for "${op} ${args}"; add it to scripts/check-docker-steps.mjs`,
        );
    }

    // --- runtime stage
    let env = { ...process.env };
    let user = null;
    let entrypoint = null;
    let healthcheck = null;
    cwd = scratch;
    for (const { op, args } of runtime.steps) {
      if (op === 'ENV') env = { ...env, ...parseEnv(args) };
      else if (op === 'WORKDIR') cwd = mapPath(args.trim());
      else if (op === 'COPY') {
        const [, stage, from, to] = /^--from=(\S+)\s+(\S+)\s+(\S+)$/.exec(args.trim()) ?? [];
        if (stage !== build.name) throw new Error(`runtime stage: no emulation for "COPY ${args}"`);
        cpSync(mapPath(from), join(cwd, to), { recursive: true, verbatimSymlinks: true });
        log(`COPY --from=${stage} ${from} ${to}`);
      } else if (op === 'RUN' && /^groupadd\b.*useradd\b/.test(args)) {
        user = /useradd\b.*\s(\w+)$/.exec(args.split('&&')[1].trim())?.[1] ?? 'app';
        log(
          `RUN groupadd/useradd ${user}: emulated by running as ${process.getuid?.() === 0 ? 'nobody' : 'yourself'}`,
        );
      } else if (op === 'RUN' && /^ln -s \S+ \S+$/.test(args.trim())) {
        const [, target, link] = args.trim().split(/\s+/).slice(1);
        symlinkSync(mapPath(target), mapPath(link));
        log(`RUN ${args}`);
      } else if (op === 'USER') {
        if (args.trim() !== user) throw new Error(`USER ${args} is not the user the stage creates (${user})`);
      } else if (op === 'ENTRYPOINT') entrypoint = JSON.parse(args);
      else if (op === 'HEALTHCHECK') healthcheck = JSON.parse(/CMD\s+(\[.*\])$/.exec(args)[1]);
      else if (['VOLUME', 'EXPOSE'].includes(op)) continue;
      else
        throw new Error(
          `runtime stage: no emulation for "${op} ${args}"; add it to scripts/check-docker-steps.mjs`,
        );
    }
    if (!entrypoint || !healthcheck)
      throw new Error('the runtime stage needs an ENTRYPOINT and a HEALTHCHECK');

    // The image's port and /data, mapped to a free port and the scratch data folder.
    const port = await freePort();
    const imagePort = /:(\d+)$/.exec(env.HTTP_ADDR ?? '')?.[1] ?? '18317';
    env = { ...env, HTTP_ADDR: `127.0.0.1:${port}`, USAGE_DATA_DIR: mapPath(env.USAGE_DATA_DIR ?? '/data') };
    env.PATH = `${dirs['/usr/local/bin']}:${dirname(process.execPath)}:${env.PATH}`;
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('chown', ['nobody', dirs['/data']]);
    const [cmd, ...cmdArgs] = entrypoint;
    const command = asRoot
      ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', cmd, ...cmdArgs]
      : [cmd, ...cmdArgs];
    log(
      `ENTRYPOINT ${JSON.stringify(entrypoint)} as ${asRoot ? 'nobody' : 'the current user'} on port ${port}`,
    );
    child = spawn(command[0], command.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (output += c));
    const exited = new Promise((resolve) => child.once('exit', resolve));

    // HEALTHCHECK, retried until the server is up (the image's start period), as Docker does.
    const probe = healthcheck.map((part) => part.replaceAll(imagePort, String(port)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output}`);
      if (spawnSync(probe[0], probe.slice(1), { env, stdio: 'ignore' }).status === 0) break;
      if (Date.now() > deadline) throw new Error(`HEALTHCHECK did not pass within 60 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250)); // polling interval of a wait with a deadline
    }
    const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
    log(`HEALTHCHECK passed: /health ${JSON.stringify(health)}`);
    if (!output.includes(env.USAGE_DATA_DIR))
      throw new Error(`the server does not use the data folder:\n${output}`);
    if (!existsSync(join(env.USAGE_DATA_DIR, 'data.key'))) throw new Error('no data.key in the data folder');
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`the server exited with ${code} on SIGTERM:\n${output}`);
    child = undefined;
    if (saveSqliteAt) {
      cpSync(join(dirs['/app'], 'node_modules', 'better-sqlite3', 'build'), saveSqliteAt, {
        recursive: true,
      });
      log(`saved the better-sqlite3 build to ${saveSqliteAt}`);
    }
    log('docker steps passed');
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (keep) console.log(`kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(`docker steps: ${error.message}`);
    process.exit(1);
  });
}
