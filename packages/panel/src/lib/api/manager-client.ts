import { CpaClient } from './cpa-client';
import { ManagementClient } from './management-client';

/** The client of the cpamp Manager Server's own API (analytics, pool, alerts, prices, import/export, ...). */
export class ManagerClient extends ManagementClient {
  readonly server = 'manager';

  /** CPA's API through this server's proxy, which sees (and records) what passes, e.g. a user's enable/disable. */
  cpaViaProxy(upstream?: string): CpaClient {
    // Several CPAs: the proxy forwards to the one X-Cpamp-Upstream names (none: the default CPA).
    return new CpaClient(upstream ? { ...this.options, headers: { ...this.options.headers, 'X-Cpamp-Upstream': upstream } } : this.options);
  }
}
