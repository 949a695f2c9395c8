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
}

export interface UpstreamSet {
  /** Default first, then the configured ones in config order. */
  list(): readonly Upstream[];
  get(name: string): Upstream | undefined;
  readonly default: Upstream;
  /** The upstream a request names (header, then query), else the default one; an unknown name throws. */
  of(request: FastifyRequest): Upstream;
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
  const defaultUpstream: Upstream = { name: DEFAULT_UPSTREAM_NAME, isDefault: true, connection: defaultConnection };
  const all: Upstream[] = [defaultUpstream, ...config.upstreams.map((u) => ({ name: u.name, isDefault: false, connection: staticConnection(u, config) }))];
  const byName = new Map(all.map((u) => [u.name, u]));
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
  };
}
