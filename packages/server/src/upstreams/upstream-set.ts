// The CPAs this server talks to: the default one (CPA_UPSTREAM_URL, or the connection saved by the setup
// wizard) and every entry of the `upstreams` setting, each with its own connection. A request picks one
// with the X-Cpamp-Upstream header (or ?upstream=); without either it gets the default one.
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config';
import { DEFAULT_UPSTREAM_NAME, type UpstreamConfig } from '../config/upstreams-type';
import type { CollectorSettings, ConnectionService, CpaConnection } from '../connection';
import { ServerError } from '../errors';

export const UPSTREAM_HEADER = 'x-cpamp-upstream';

export interface Upstream {
  name: string;
  isDefault: boolean;
  connection: ConnectionService;
  /** Where it comes from: the default connection, the configuration's `upstreams`, or added in the panel (stored). */
  source?: 'default' | 'config' | 'stored';
}

/** A CPA added to or removed from the set while the server runs (stored-upstreams.ts). */
export interface UpstreamChange {
  added?: Upstream;
  removed?: Upstream;
}

export interface UpstreamSet {
  /** Default first, then the configured ones in config order. */
  list(): readonly Upstream[];
  get(name: string): Upstream | undefined;
  readonly default: Upstream;
  /** The upstream a request names (header, then query), else the default one; an unknown name throws. */
  of(request: FastifyRequest): Upstream;
  /** Adds a CPA at runtime (a stored one); listeners start its collector. The name must be new. */
  add(upstream: Upstream): Promise<void>;
  /** Removes a CPA at runtime; listeners stop its collector (awaited). The default CPA is never removed. */
  remove(name: string): Promise<Upstream | undefined>;
  onChange(listener: (change: UpstreamChange) => void | Promise<void>): () => void;
}

/** A configured upstream's connection: fixed by the configuration, like the env-managed default one. */
export function staticConnection(upstream: UpstreamConfig, config: Config): ConnectionService {
  const connection: CpaConnection = { baseUrl: upstream.url, managementKey: upstream.managementKey, source: 'env' };
  const settings: CollectorSettings = {
    enabled: true,
    mode: upstream.collectorMode ?? config.collector.mode,
    queue: config.collector.queue,
    popSide: config.collector.popSide,
    batchSize: config.collector.batchSize,
    pollIntervalMs: config.collector.pollIntervalMs,
    tlsSkipVerify: config.collector.tlsSkipVerify,
  };
  return {
    envManaged: true,
    current: () => connection,
    isConfigured: () => true,
    collectorSettings: () => settings,
    updatedAtMs: () => 0,
    save: async () => {
      throw new ServerError('connection_env_managed', `The CPA connection of upstream "${upstream.name}" is set in the upstreams configuration; change it there instead.`);
    },
    onChange: () => () => undefined,
  };
}

/** The name a request asks for: the header wins over the query parameter; null when neither is given. */
export function requestedUpstream(request: FastifyRequest): string | null {
  const header = request.headers[UPSTREAM_HEADER];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (typeof fromHeader === 'string' && fromHeader.trim() !== '') return fromHeader.trim();
  const query = request.query as Record<string, unknown> | undefined;
  const fromQuery = query && typeof query === 'object' ? query.upstream : undefined;
  if (typeof fromQuery === 'string' && fromQuery.trim() !== '') return fromQuery.trim();
  return null;
}

export function createUpstreamSet(config: Config, defaultConnection: ConnectionService): UpstreamSet {
  const defaultUpstream: Upstream = { name: DEFAULT_UPSTREAM_NAME, isDefault: true, connection: defaultConnection, source: 'default' };
  const all: Upstream[] = [defaultUpstream, ...config.upstreams.map((u) => ({ name: u.name, isDefault: false, connection: staticConnection(u, config), source: 'config' as const }))];
  const byName = new Map(all.map((u) => [u.name, u]));
  const listeners = new Set<(change: UpstreamChange) => void | Promise<void>>();
  return {
    list: () => all,
    get: (name) => byName.get(name),
    default: defaultUpstream,
    of(request) {
      const name = requestedUpstream(request);
      if (name === null) return defaultUpstream;
      const found = byName.get(name);
      if (!found) {
        throw new ServerError('upstream_unknown', `No upstream is named "${name.slice(0, 64)}": use one of ${all.map((u) => u.name).join(', ')} (X-Cpamp-Upstream header or ?upstream=).`);
      }
      return found;
    },
    async add(upstream) {
      if (byName.has(upstream.name)) throw new ServerError('upstream_exists', `A CPA named "${upstream.name}" exists already.`);
      all.push(upstream);
      byName.set(upstream.name, upstream);
      await Promise.all([...listeners].map((l) => l({ added: upstream })));
    },
    async remove(name) {
      const found = byName.get(name);
      if (!found || found.isDefault) return undefined;
      all.splice(all.indexOf(found), 1);
      byName.delete(name);
      await Promise.all([...listeners].map((l) => l({ removed: found })));
      return found;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
