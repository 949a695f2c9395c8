// `npm run docs` writes the generated parts of docs/reference/*.md; `npm run docs:check` fails when they are
// stale (CI runs it in `npm test`). Generated parts sit between BEGIN/END GENERATED markers; everything
// outside them is hand-written and kept. Sources: the server's OpenAPI document and route table (an app
// built on a temp data dir), CONFIG_KEYS (rows of the server's config table), SERVER_ERROR_DOCS +
// STATUS_BY_CODE, and each package's closed error-code union in src/errors.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteOptions } from 'fastify';
import { CONFIG_KEYS, SERVER_ERROR_DOCS, STATUS_BY_CODE, buildApp, defineConfig, isPlusRoute } from '@cpamp/server';

const root = join(import.meta.dirname, '..');
const check = process.argv.includes('--check');

type Schema = { type?: string | string[]; enum?: unknown[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; minimum?: number; maximum?: number; format?: string };
type Operation = { parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };

const esc = (s: string) => s.replace(/\|/g, '\\|');

function typeOf(s: Schema | undefined): string {
  if (!s) return '';
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.map(typeOf).filter(Boolean))].join(' | ');
  const t = Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? '');
  if (t === 'array') return `${typeOf(s.items)}[]`;
  return t === 'integer' || t === 'number' ? (s.minimum !== undefined || s.maximum !== undefined ? `${t} ${s.minimum ?? ''}…${s.maximum ?? ''}` : t) : t;
}

function fields(entries: { name: string; required: boolean; schema?: Schema }[]): string {
  return entries.map((e) => `\`${e.name}${e.required ? '' : '?'}\`${typeOf(e.schema) ? `: ${esc(typeOf(e.schema))}` : ''}`).join(', ');
}

async function httpApi(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cpamp-docs-'));
  const routes: RouteOptions[] = [];
  try {
    const app = await buildApp(defineConfig({ dataDir: dir, logLevel: 'silent' }), {
      onAdminKeyGenerated: () => undefined,
      onRoute: (r) => void routes.push(r),
      collector: false,
      retentionSchedule: false,
    });
    try {
      await app.ready();
      const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };
      const rows: string[] = [];
      const seen = new Set<string>();
      const sorted = routes
        .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD' && m !== 'OPTIONS').map((m) => ({ method: m, url: r.url, auth: (r.config as { auth?: string } | undefined)?.auth ?? 'admin' })))
        .sort((a, b) => (a.url === b.url ? a.method.localeCompare(b.method) : a.url.localeCompare(b.url)));
      for (const r of sorted) {
        const key = `${r.method} ${r.url}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const oaPath = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        const op = doc.paths[oaPath]?.[r.method.toLowerCase()];
        const params = op?.parameters ?? [];
        const q = fields(params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: p.required === true, schema: p.schema })));
        const body = op?.requestBody?.content?.['application/json']?.schema;
        const b = body?.properties ? fields(Object.entries(body.properties).map(([name, schema]) => ({ name, required: (body.required ?? []).includes(name), schema }))) : body ? esc(typeOf(body)) : '';
        const auth = r.auth === 'public' ? 'O' : r.auth === 'admin-if-configured' ? 'O\\*' : 'A';
        const plus = isPlusRoute(r.method, r.url) ? 'Plus' : '';
        rows.push(`| ${r.method} | \`${r.url}\` | ${auth} | ${plus} | ${q} | ${b} |`);
      }
      return ['| Method | Path | Auth | Origin | Query | JSON body |', '|---|---|---|---|---|---|', ...rows].join('\n');
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function configTable(): string {
  const rows = CONFIG_KEYS.map((k) => `| ${k.env} | ${k.file} | ${k.flag} | ${k.default} | ${esc(k.values)} | ${k.notes} |`);
  return ['| Env var | config.json key | Flag | Default | Values | Notes |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** The members of `export type <name> = | 'a' // why …` in a package's src/errors.ts, with their comments. */
function unionCodes(pkg: string, typeName: string): { code: string; note: string }[] {
  const src = readFileSync(join(root, 'packages', pkg, 'src', 'errors.ts'), 'utf8');
  const start = src.indexOf(`export type ${typeName} =`);
  if (start < 0) throw new Error(`packages/${pkg}/src/errors.ts has no "export type ${typeName} ="`);
  // One member per line (`| 'code' // note`, the last one ends with `;`); a note may itself contain `;`.
  const lines = src.slice(start + `export type ${typeName} =`.length).split('\n').slice(1);
  const members: { code: string; note: string }[] = [];
  for (const line of lines) {
    const m = /^\s*\|\s*'([^']+)'(;?)[ \t]*(?:\/\/[ \t]*(.*))?$/.exec(line);
    if (!m) break;
    members.push({ code: m[1]!, note: (m[3] ?? '').trim() });
    if (m[2]) break;
  }
  return members;
}

function errorTables(): string {
  const server = (Object.keys(SERVER_ERROR_DOCS) as (keyof typeof SERVER_ERROR_DOCS)[]).map((c) => `| \`${c}\` | ${STATUS_BY_CODE[c]} | ${esc(SERVER_ERROR_DOCS[c])} |`);
  const out = ['### `@cpamp/server` (`ServerError.code`)', '', '| Code | HTTP | When |', '|---|---|---|', ...server];
  for (const [pkg, type, klass] of [
    ['store', 'StoreErrorCode', 'StoreError'],
    ['collector', 'CollectorErrorCode', 'CollectorError'],
    ['sdk-cpa', 'CpaErrorCode', 'CpaError'],
  ] as const) {
    out.push('', `### \`@cpamp/${pkg}\` (\`${klass}.code\`)`, '', '| Code | Note |', '|---|---|');
    for (const { code, note } of unionCodes(pkg, type)) out.push(`| \`${code}\` | ${esc(note)} |`);
  }
  return out.join('\n');
}

function splice(file: string, name: string, content: string): { file: string; before: string; after: string } {
  const path = join(root, file);
  const before = readFileSync(path, 'utf8');
  const begin = `<!-- BEGIN GENERATED: ${name} (npm run docs; do not edit) -->`;
  const end = `<!-- END GENERATED: ${name} -->`;
  const block = `${begin}\n${content}\n${end}`;
  const i = before.indexOf(begin);
  const j = before.indexOf(end);
  const after = i >= 0 && j > i ? before.slice(0, i) + block + before.slice(j + end.length) : `${before.trimEnd()}\n\n${block}\n`;
  return { file, before, after };
}

const updates = [
  splice('docs/reference/http-api.md', 'routes', await httpApi()),
  splice('docs/reference/config.md', 'config-keys', configTable()),
  splice('docs/reference/errors.md', 'error-codes', errorTables()),
];
const stale = updates.filter((u) => u.before !== u.after);
if (check) {
  if (stale.length > 0) {
    process.stderr.write(`Generated docs are stale: ${stale.map((u) => u.file).join(', ')}. Run \`npm run docs\` and commit the result.\n`);
    process.exit(1);
  }
  process.stdout.write('docs/reference is up to date.\n');
} else {
  for (const u of stale) writeFileSync(join(root, u.file), u.after);
  process.stdout.write(stale.length ? `updated ${stale.map((u) => u.file).join(', ')}\n` : 'docs/reference is up to date.\n');
}
