// The few CPA calls the pool makes, over @cpamp/sdk-cpa, for whatever connection is current. One client per
// connection (base URL + key); a changed connection closes the old client.
import { createCpaClient, type CpaAuthFile, type CpaClient } from '@cpamp/sdk-cpa';
import type { ConnectionService } from '../connection';

export interface PoolCpa {
  listAuthFiles(signal?: AbortSignal): Promise<CpaAuthFile[]>;
  apiCall(req: { authIndex: string; method: string; url: string; header: Record<string, string>; data?: string }, signal?: AbortSignal): Promise<{ statusCode: number; body: string }>;
  setDisabled(fileName: string, disabled: boolean, authIndex: string): Promise<void>;
  deleteFile(fileName: string): Promise<void>;
}

export interface PoolCpaProvider {
  current(): PoolCpa | null;
  close(): Promise<void>;
}

export function createPoolCpaProvider(opts: { connection: ConnectionService; timeoutMs: number; dispatcher?: unknown }): PoolCpaProvider {
  let client: CpaClient | null = null;
  let key = '';
  let port: PoolCpa | null = null;
  let closed = false;
  return {
    current() {
      const c = closed ? null : opts.connection.current();
      if (!c) return null;
      const k = `${c.baseUrl}\u0000${c.managementKey}`;
      if (!client || k !== key) {
        void client?.close().catch(() => undefined);
        key = k;
        const cl = createCpaClient({
          baseUrl: c.baseUrl,
          managementKey: c.managementKey,
          timeoutMs: opts.timeoutMs,
          retries: 0,
          ...(opts.dispatcher ? { dispatcher: opts.dispatcher as never } : {}),
        });
        client = cl;
        port = {
          listAuthFiles: (signal) => cl.authFiles.list(undefined, signal ? { signal } : undefined),
          apiCall: async (req, signal) => {
            const r = await cl.apiCall(req, signal ? { signal } : undefined);
            return { statusCode: r.statusCode, body: r.body };
          },
          setDisabled: (name, disabled, authIndex) => cl.authFiles.setDisabled(name, disabled, { authIndex }),
          deleteFile: (name) => cl.authFiles.delete(name),
        };
      }
      return port;
    },
    async close() {
      closed = true;
      await client?.close().catch(() => undefined);
      client = null;
      port = null;
    },
  };
}
