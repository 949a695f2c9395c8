import { CpaClient } from './cpa-client';
import { ManagementClient } from './management-client';

/** The client of the cpamp Manager Server's own API (analytics, pool, alerts, prices, import/export, ...). */
export class ManagerClient extends ManagementClient {
  readonly server = 'manager';

  /**
   * CPA's API through this server's proxy, which sees (and records) what passes, e.g. a user's enable/disable.
   * Several CPAs: it keeps this client's X-Cpamp-Upstream (the session's CPA), which the proxy forwards to.
   */
  cpaViaProxy(): CpaClient {
    return new CpaClient(this.options);
  }
}
