import { ManagementClient } from './management-client';

/** The client of the cpamp Manager Server's own API (analytics, pool, alerts, prices, import/export, ...). */
export class ManagerClient extends ManagementClient {
  readonly server = 'manager';
}
