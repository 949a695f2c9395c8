// The code blocks of the READMEs and guides: each one is marked, in an HTML comment right above it, as run
// here or as illustrative (with the reason). Runnable TypeScript blocks run as they are written, in a fresh
// folder, against the built packages and the fake CPA, so a snippet that stops working fails the build.
//
//   <!-- docs-test: run -->                  run the block (TypeScript, with tsx)
//   <!-- docs-test: run                      … with setup code before it and checks after it
//   before: const showOnce = (key: string) => void key;
//   after: await app.close();
//   -->
//   <!-- docs-test: illustrative (why) -->   not run; the reason says what checks it instead, if anything
//
// In a run block, http://127.0.0.1:8317 (CPA's default address) is replaced by the fake CPA's URL; the fake
// takes the management key `my-mgmt-key`, which is also in CPA_MANAGEMENT_KEY.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const MARKER = /<!--\s*docs-test:\s*(run|illustrative)\b([\s\S]*?)-->\s*$/;

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
  mode: 'run' | 'illustrative' | null;
  before: string;
  after: string;
  reason: string;
}

function markdownFiles(): string[] {
  const files = ['README.md'];
  for (const dir of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, dir))) {
      if (existsSync(join(root, dir, name, 'README.md'))) files.push(join(dir, name, 'README.md'));
    }
  }
  for (const name of readdirSync(join(root, 'docs', 'guides')))
    if (name.endsWith('.md')) files.push(join('docs', 'guides', name));
  return files.sort();
}

export function extractBlocks(file: string, text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    // The marker: the HTML comment that ends on the nearest non-blank line above the fence.
    let j = start - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    let k = j;
    while (k >= 0 && !lines[k]!.includes('<!--')) k--;
    const comment = k >= 0 && j >= 0 ? lines.slice(k, j + 1).join('\n') : '';
    const marker = MARKER.exec(comment);
    const rest = marker?.[2] ?? '';
    const field = (name: string): string =>
      rest
        .split('\n')
        .filter((l) => l.trim().startsWith(`${name}:`))
        .map((l) =>
          l
            .trim()
            .slice(name.length + 1)
            .trim(),
        )
        .join('\n');
    blocks.push({
      file,
      line: start + 1,
      lang: open[1] ?? '',
      code: body.join('\n'),
      mode: (marker?.[1] as Block['mode']) ?? null,
      before: field('before'),
      after: field('after'),
      reason: rest.trim(),
    });
  }
  return blocks;
}

const blocks = markdownFiles().flatMap((file) => extractBlocks(file, readFileSync(join(root, file), 'utf8')));
const runnable = blocks.filter((b) => b.mode === 'run');
const built = existsSync(join(root, 'packages', 'server', 'dist', 'index.js'));
const scratch = join(root, 'test-artifacts', 'docs-snippets');
let fake: FakeCpa;

beforeAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  fake = await startFakeCpa({
    managementKey: 'my-mgmt-key',
    authFiles: [
      {
        name: 'codex-alice@example.com.json',
        content: { type: 'codex', email: 'alice@example.com', access_token: 't' },
      },
    ],
  });
});
afterAll(async () => {
  await fake?.close();
});

describe('docs snippets', () => {
  it('every code block in the READMEs and guides is marked as run or illustrative', () => {
    const unmarked = blocks.filter((b) => b.mode === null).map((b) => `${b.file}:${b.line}`);
    expect(
      unmarked,
      'add <!-- docs-test: run --> or <!-- docs-test: illustrative (why) --> above these blocks',
    ).toEqual([]);
    const bareIllustrative = blocks.filter((b) => b.mode === 'illustrative' && !/\(.+\)/.test(b.reason));
    expect(
      bareIllustrative.map((b) => `${b.file}:${b.line}`),
      'say why a block is not run',
    ).toEqual([]);
    const wrongLang = runnable.filter((b) => !['ts', 'typescript', 'js', 'javascript'].includes(b.lang));
    expect(
      wrongLang.map((b) => `${b.file}:${b.line}`),
      'runnable blocks are TypeScript or JavaScript',
    ).toEqual([]);
    expect(runnable.length).toBeGreaterThan(0);
  });

  it('relative links in the READMEs and guides point at files inside the repository', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/i.test(target)) continue;
        const path = join(root, dirname(file), target);
        if (relative(root, path).startsWith('..') || !existsSync(path)) broken.push(`${file}: ${match[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it.skipIf(!built).each(runnable.map((b) => [`${b.file}:${b.line}`, b] as const))(
    'runs %s',
    async (name, block) => {
      // Each block in a fresh folder inside the repository, so `@cpamp/*` resolve through the workspace links
      // to the built packages, as an installed package would; and relative paths like ./data do not exist yet.
      const dir = join(scratch, name.replace(/[^\w.-]+/g, '_'));
      mkdirSync(dir, { recursive: true });
      for (const record of generateUsage({ seed: 3, events: 20, days: 1 })) fake.enqueueUsage(record);
      const code = block.code.replaceAll('http://127.0.0.1:8317', fake.url);
      // A snippet that reports an error with console.error fails (the sdk-cpa one catches its errors).
      const guard =
        'const __error = console.error; console.error = (...args: unknown[]) => { __error(...args); process.exitCode = 1; };';
      writeFileSync(
        join(dir, 'snippet.mts'),
        `${guard}\n${block.before}\n${code}\n${block.after}\nprocess.exit();\n`,
      );
      // Asynchronous: the fake CPA answers from this process while the snippet runs.
      const result = await runNode(['--import', 'tsx', 'snippet.mts'], dir, {
        ...process.env,
        CPA_MANAGEMENT_KEY: 'my-mgmt-key',
        CPAMP_DOCKER: '0',
        CPAMP_LOG_LEVEL: 'silent',
        HTTP_ADDR: '127.0.0.1:0',
      });
      expect(result.status, `${relative(root, dir)}/snippet.mts\n${result.stdout}\n${result.stderr}`).toBe(0);
    },
  );
});

function runNode(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
