// The CPA side of the server: where the connection comes from (env or the store's settings) and the
// streaming proxy towards it. Route plugins receive both through the ServerContext.
import type { Config } from '../config';
import { createConnectionService, type ConnectionService, type SettingsPort } from '../connection';
import { createCpaProxy, type CpaProxy } from '../proxy/forward';

export interface CpaLayer {
  connection: ConnectionService;
  proxy: CpaProxy;
  close(): Promise<void>;
}

export async function createCpaLayer(config: Config, settings: SettingsPort): Promise<CpaLayer> {
  const connection = await createConnectionService(config, settings);
  const proxy = createCpaProxy(config.proxy);
  return { connection, proxy, close: () => proxy.close() };
}
