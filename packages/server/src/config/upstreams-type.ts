// The `upstreams` setting: several CPAs feeding one cpamp. Given inline in config.json (`upstreams: [...]`)
// or as a path to a JSON file holding the list (`CPA_UPSTREAMS_FILE`, or a string in config.json). Each
// entry's management key is given inline or by a file; key files are read here, once, at start-up.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { COLLECTOR_MODES } from '@cpamp/collector';
import { z } from 'zod';
import { InvalidValue, normalizeCpaBaseUrl, type ValueType } from './value-types';

/** The default upstream's name (CPA_UPSTREAM_URL, or the connection saved by the setup wizard). */
export const DEFAULT_UPSTREAM_NAME = 'default';
/** Lower-case slug: it appears in headers, query strings, file paths and the store's dictionary. */
export const UPSTREAM_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

const EntrySchema = z
  .object({
    name: z.string().regex(UPSTREAM_NAME, 'must be a lower-case slug: a-z, 0-9, "-" and "_", at most 32 characters, starting with a letter or digit'),
    url: z.string().min(1, 'is empty'),
    managementKey: z.string().trim().min(1, 'is empty').optional(),
    managementKeyFile: z.string().trim().min(1, 'is empty').optional(),
    collectorMode: z.enum(COLLECTOR_MODES).optional(),
  })
  .strict();

/** One configured upstream, resolved: its URL normalised and its management key read. */
export const UpstreamSchema = z.object({
  name: z.string().regex(UPSTREAM_NAME),
  url: z.string().min(1),
  managementKey: z.string().min(1),
  collectorMode: z.enum(COLLECTOR_MODES).nullable(),
});
export type UpstreamConfig = z.infer<typeof UpstreamSchema>;

const FIX = 'each entry is {"name": "east", "url": "http://cpa-east:8317", "managementKeyFile": "/run/secrets/east_key"} (or "managementKey"); see docs/guides/several-cpas.md';

function readJsonList(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidValue(file, `cannot read the upstreams file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'point CPA_UPSTREAMS_FILE at a JSON file holding the list of upstreams');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidValue(file, `the upstreams file is not JSON (${(error as Error).message})`, FIX);
  }
}

/** Validates a raw list; `base` resolves relative key files. Errors name the entry (index and name). */
export function readUpstreams(raw: unknown, base: string, shown: string): UpstreamConfig[] {
  const list = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'upstreams' in raw ? (raw as { upstreams: unknown }).upstreams : raw;
  if (!Array.isArray(list)) throw new InvalidValue(shown, 'expected a JSON array of upstreams', FIX);
  const out: UpstreamConfig[] = [];
  list.forEach((item, i) => {
    const label = item !== null && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string' ? `upstreams[${i}] ("${(item as { name: string }).name}")` : `upstreams[${i}]`;
    const parsed = EntrySchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length ? `${issue.path.join('.')} ` : '';
      throw new InvalidValue(shown, `${label}: ${where}${issue.message}`, FIX);
    }
    const e = parsed.data;
    if ((e.managementKey === undefined) === (e.managementKeyFile === undefined)) {
      throw new InvalidValue(shown, `${label}: give exactly one of managementKey and managementKeyFile`, FIX);
    }
    let url: string | null;
    try {
      url = normalizeCpaBaseUrl(e.url);
    } catch (error) {
      throw new InvalidValue(shown, `${label}: url ${(error as Error).message}`, 'use the CPA base URL, e.g. http://cli-proxy-api:8317');
    }
    if (url === null) throw new InvalidValue(shown, `${label}: url is empty`, FIX);
    let key = e.managementKey;
    if (key === undefined) {
      const file = isAbsolute(e.managementKeyFile!) ? e.managementKeyFile! : resolve(base, e.managementKeyFile!);
      try {
        key = readFileSync(file, 'utf8').trim();
      } catch {
        throw new InvalidValue(shown, `${label}: cannot read managementKeyFile ${file}`, 'create the file or fix the path (relative paths start at the file that lists the upstreams)');
      }
      if (key === '') throw new InvalidValue(shown, `${label}: managementKeyFile ${file} is empty`, 'write the management key into the file');
    }
    if (out.some((u) => u.name === e.name)) throw new InvalidValue(shown, `${label}: the name "${e.name}" is used twice`, 'give every upstream its own name');
    if (out.some((u) => u.url === url)) throw new InvalidValue(shown, `${label}: the url ${url} is listed twice`, 'two collectors on one CPA queue would split its records; list each CPA once');
    out.push({ name: e.name, url, managementKey: key, collectorMode: e.collectorMode ?? null });
  });
  return out;
}

export function upstreamList(): ValueType<z.ZodArray<typeof UpstreamSchema>> {
  return {
    schema: z.array(UpstreamSchema),
    values: 'JSON list of `{name, url, managementKey | managementKeyFile, collectorMode?}`',
    fileNote: 'array, or a path to a JSON file holding it',
    read(value, ctx) {
      if (typeof value === 'string') {
        const file = isAbsolute(value.trim()) ? value.trim() : resolve(ctx.base, value.trim());
        return readUpstreams(readJsonList(file), dirname(file), file);
      }
      return readUpstreams(value, ctx.base, 'upstreams');
    },
  };
}

interface SingleCpa {
  cpaUpstreamUrl: string | null;
  cpaManagementKey: string | null;
  upstreams: UpstreamConfig[];
  collector: { mode: (typeof COLLECTOR_MODES)[number] };
}

/**
 * An entry named "default" stands for CPA_UPSTREAM_URL + CPA_MANAGEMENT_KEY (so the default CPA cannot be
 * given twice): it is folded into those settings and leaves the list, which then holds the other CPAs only.
 */
export function foldDefaultUpstream<C extends SingleCpa>(config: C): C {
  const entry = config.upstreams.find((u) => u.name === DEFAULT_UPSTREAM_NAME);
  const named = config.upstreams.filter((u) => u.name !== DEFAULT_UPSTREAM_NAME);
  if (entry && config.cpaUpstreamUrl !== null) {
    throw new InvalidValue('default', 'the upstreams list has an entry named "default" while CPA_UPSTREAM_URL / cpaUpstreamUrl also sets the default CPA', 'drop one of them, or rename the list entry');
  }
  const single = entry?.url ?? config.cpaUpstreamUrl;
  const twin = named.find((u) => u.url === single);
  if (twin) throw new InvalidValue(twin.url, `upstreams entry "${twin.name}" has the default CPA's url`, 'list each CPA once');
  if (!entry) return config;
  return {
    ...config,
    cpaUpstreamUrl: entry.url,
    cpaManagementKey: entry.managementKey,
    upstreams: named,
    collector: { ...config.collector, mode: entry.collectorMode ?? config.collector.mode },
  };
}
