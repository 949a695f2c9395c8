// CPAs added in the panel (or through the API): kept in the store, beside the ones the configuration lists.
// The list (name, URL, collector mode) is the settings row `upstreams.stored`; each management key is a secret
// sealed with the data key (`secret:upstream_key.<name>`), read once at start and on each change, never
// returned by the API and never logged. Configured CPAs stay read-only: the configuration owns them.
import type { SettingsRepository } from '@cpamp/store';
import type { CollectorMode } from '@cpamp/collector';
import type { Config } from '../config';
import type { UpstreamConfig } from '../config/upstreams-type';
import { ServerError } from '../errors';
import { staticConnection, type Upstream, type UpstreamSet } from './upstream-set';

const LIST_KEY = 'upstreams.stored';
const secretName = (name: string) => `upstream_key.${name}`;

export type StoredUpstreamsPort = Pick<SettingsRepository, 'get' | 'set' | 'getSecret' | 'setSecret' | 'deleteSecret'>;

export interface StoredUpstreamEntry {
  name: string;
  url: string;
  collectorMode: CollectorMode | null;
  createdMs: number;
  updatedMs: number;
}

/** What the API shows of a CPA: never its key. */
export interface UpstreamView {
  name: string;
  url: string | null;
  source: 'default' | 'config' | 'stored';
  /** Only stored CPAs are changed here; the others belong to the configuration (or the setup wizard). */
  editable: boolean;
  collectorMode: CollectorMode | null;
}

export interface StoredUpstreams {
  list(): readonly StoredUpstreamEntry[];
  views(): UpstreamView[];
  add(input: { name: string; url: string; managementKey: string; collectorMode: CollectorMode | null }): Promise<UpstreamView>;
  update(name: string, patch: { url?: string; managementKey?: string; collectorMode?: CollectorMode | null }): Promise<UpstreamView>;
  remove(name: string): Promise<void>;
  /**
   * Re-reads the stored list (another instance on the same database changed it) and applies the difference:
   * new CPAs added, removed ones removed, changed ones (a newer `updatedMs`) restarted.
   */
  refresh(): Promise<{ added: number; removed: number; changed: number }>;
}

/** A stored CPA as a configured one (its connection is fixed until it is changed here). */
function asUpstream(e: StoredUpstreamEntry, managementKey: string, config: Config): Upstream {
  const c: UpstreamConfig = { name: e.name, url: e.url, managementKey, collectorMode: e.collectorMode };
  return { name: e.name, isDefault: false, connection: staticConnection(c, config), source: 'stored' };
}

/**
 * Loads the stored CPAs into `set` (at start, before the collectors are made: each gets one like a configured
 * CPA) and returns the service the routes change them through. A stored name the configuration also lists is
 * skipped: the configuration wins.
 */
export async function createStoredUpstreams(opts: {
  settings: StoredUpstreamsPort;
  set: UpstreamSet;
  config: Config;
  now: () => number;
  warn: (obj: object, msg: string) => void;
}): Promise<StoredUpstreams> {
  const { settings, set, config } = opts;
  let entries = (await settings.get<StoredUpstreamEntry[]>(LIST_KEY)) ?? [];
  /** Adds a stored entry to the set; false when skipped (a configured name, or no key). */
  const load = async (e: StoredUpstreamEntry): Promise<boolean> => {
    if (set.get(e.name)) {
      opts.warn({ upstream: e.name }, 'a CPA added in the panel has the name of a configured one: the configured one is used');
      return false;
    }
    const key = await settings.getSecret(secretName(e.name));
    if (key === undefined) {
      opts.warn({ upstream: e.name }, 'a CPA added in the panel has no stored management key: skipped');
      return false;
    }
    await set.add(asUpstream(e, key, config));
    return true;
  };
  for (const e of entries) await load(e);

  const view = (u: Upstream): UpstreamView => {
    const stored = u.source === 'stored' ? entries.find((e) => e.name === u.name) : undefined;
    const conn = safeCurrent(u);
    return {
      name: u.name,
      url: conn?.baseUrl ?? stored?.url ?? null,
      source: u.source ?? (u.isDefault ? 'default' : 'config'),
      editable: u.source === 'stored',
      collectorMode: stored ? stored.collectorMode : u.isDefault ? null : u.connection.collectorSettings().mode,
    };
  };
  const save = async (next: StoredUpstreamEntry[]) => {
    await settings.set(LIST_KEY, next);
    entries = next;
  };
  const mustBeStored = (name: string): StoredUpstreamEntry => {
    const u = set.get(name);
    if (!u) throw new ServerError('upstream_unknown', `No CPA is named "${name.slice(0, 64)}": list them with GET /v0/management/upstreams.`);
    const e = entries.find((x) => x.name === name);
    if (u.source !== 'stored' || !e) {
      throw new ServerError('upstream_read_only', `The CPA "${name}" is set by the configuration (upstreams, CPA_UPSTREAMS_FILE or CPA_UPSTREAM_URL, or the setup wizard for the default one); change it there.`);
    }
    return e;
  };
  const urlTaken = (url: string, except?: string) => {
    const other = set.list().find((u) => u.name !== except && safeCurrent(u)?.baseUrl === url);
    // Two collectors on one usage queue would split its records (docs/guides/several-cpas.md).
    if (other) throw new ServerError('upstream_exists', `The CPA "${other.name}" already uses ${url}; each CPA is listed once.`);
  };

  return {
    list: () => entries,
    views: () => set.list().map(view),
    async add(input) {
      if (set.get(input.name)) throw new ServerError('upstream_exists', `A CPA named "${input.name}" exists already; pick another name.`);
      urlTaken(input.url);
      const t = opts.now();
      const e: StoredUpstreamEntry = { name: input.name, url: input.url, collectorMode: input.collectorMode, createdMs: t, updatedMs: t };
      // The key first: a list entry without its key would be skipped at the next start.
      await settings.setSecret(secretName(e.name), input.managementKey);
      await save([...entries, e]);
      const u = asUpstream(e, input.managementKey, config);
      await set.add(u);
      return view(u);
    },
    async update(name, patch) {
      const old = mustBeStored(name);
      const url = patch.url ?? old.url;
      if (url !== old.url) urlTaken(url, name);
      const key = patch.managementKey ?? (await settings.getSecret(secretName(name)));
      if (key === undefined) throw new ServerError('bad_request', `The CPA "${name}" has no stored management key: give managementKey.`);
      const e: StoredUpstreamEntry = { ...old, url, collectorMode: patch.collectorMode === undefined ? old.collectorMode : patch.collectorMode, updatedMs: opts.now() };
      if (patch.managementKey !== undefined) await settings.setSecret(secretName(name), patch.managementKey);
      await save(entries.map((x) => (x.name === name ? e : x)));
      // A new connection is a new collector: the old one drains and stops first.
      await set.remove(name);
      const u = asUpstream(e, key, config);
      await set.add(u);
      return view(u);
    },
    async remove(name) {
      mustBeStored(name);
      await save(entries.filter((x) => x.name !== name));
      await settings.deleteSecret(secretName(name));
      await set.remove(name);
    },
    async refresh() {
      const next = (await settings.get<StoredUpstreamEntry[]>(LIST_KEY)) ?? [];
      const out = { added: 0, removed: 0, changed: 0 };
      const running = (name: string) => set.get(name)?.source === 'stored';
      const same = (a: StoredUpstreamEntry | undefined, b: StoredUpstreamEntry) => a !== undefined && a.updatedMs === b.updatedMs;
      // Changed or removed elsewhere: stop what runs here first.
      for (const old of entries) {
        const now = next.find((e) => e.name === old.name);
        if ((now && same(now, old)) || !running(old.name)) continue;
        await set.remove(old.name);
        if (now) out.changed++;
        else out.removed++;
      }
      // New or changed: start it (what runs here already, or a configured CPA of that name, is left alone).
      for (const e of next) {
        if (set.get(e.name)) continue;
        if ((await load(e)) && !entries.some((x) => x.name === e.name)) out.added++;
      }
      entries = next;
      return out;
    },
  };
}

function safeCurrent(u: Upstream) {
  try {
    return u.connection.current();
  } catch {
    return null;
  }
}
