// The few CPA calls the pool makes, over @cpamp/sdk-cpa, for each CPA's current connection. One client per
// CPA and connection (base URL + key); a changed connection closes the old client. A port speaks pool keys
// (pool-key.ts): it strips the CPA's prefix before an auth_index goes to that CPA.
import { createCpaClient, type CpaAuthFile, type CpaClient } from '@cpamp/sdk-cpa';
import type { ConnectionService } from '../connection';
import { splitPoolKey } from './pool-key';

export interface PoolCpa {
  listAuthFiles(signal?: AbortSignal): Promise<CpaAuthFile[]>;
  apiCall(req: { authIndex: string; method: string; url: string; header: Record<string, string>; data?: string }, signal?: AbortSignal): Promise<{ statusCode: number; body: string }>;
  setDisabled(fileName: string, disabled: boolean, authIndex: string): Promise<void>;
  deleteFile(fileName: string): Promise<void>;
}

export interface PoolCpaProvider {
  /** The default CPA's port (null before setup). */
  current(): PoolCpa | null;
  /** The port of the CPA named `upstream` (null when it is unknown or not connected). */
  of(upstream: string): PoolCpa | null;
  /** Every CPA's name, the default one first. */
  names(): string[];
  close(): Promise<void>;
}

export interface PoolUpstreams {
  list(): readonly { name: string; isDefault: boolean; connection: Pick<ConnectionService, 'current'> }[];
}

export function createPoolCpaProvider(opts: { connection?: Pick<ConnectionService, 'current'>; upstreams?: PoolUpstreams; timeoutMs: number; dispatcher?: unknown }): PoolCpaProvider {
  const upstreams: PoolUpstreams = opts.upstreams ?? { list: () => (opts.connection ? [{ name: 'default', isDefault: true, connection: opts.connection }] : []) };
  const clients = new Map<string, { key: string; client: CpaClient; port: PoolCpa }>();
  let closed = false;
  const of = (name: string): PoolCpa | null => {
    if (closed) return null;
    const u = upstreams.list().find((x) => x.name === name);
    const c = u?.connection.current();
    if (!c) return null;
    const k = `${c.baseUrl}\u0000${c.managementKey}`;
    const hit = clients.get(name);
    if (hit && hit.key === k) return hit.port;
    void hit?.client.close().catch(() => undefined);
    const cl = createCpaClient({
      baseUrl: c.baseUrl,
      managementKey: c.managementKey,
      timeoutMs: opts.timeoutMs,
      retries: 0,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher as never } : {}),
    });
    const port: PoolCpa = {
      listAuthFiles: (signal) => cl.authFiles.list(undefined, signal ? { signal } : undefined),
      apiCall: async (req, signal) => {
        const r = await cl.apiCall({ ...req, authIndex: splitPoolKey(req.authIndex).authIndex }, signal ? { signal } : undefined);
        return { statusCode: r.statusCode, body: r.body };
      },
      setDisabled: (fileName, disabled, authIndex) => cl.authFiles.setDisabled(fileName, disabled, { authIndex: splitPoolKey(authIndex).authIndex }),
      deleteFile: (fileName) => cl.authFiles.delete(fileName),
    };
    clients.set(name, { key: k, client: cl, port });
    return port;
  };
  return {
    current: () => of(upstreams.list().find((u) => u.isDefault)?.name ?? 'default'),
    of,
    names: () => upstreams.list().map((u) => u.name),
    async close() {
      closed = true;
      await Promise.all([...clients.values()].map((c) => c.client.close().catch(() => undefined)));
      clients.clear();
    },
  };
}
