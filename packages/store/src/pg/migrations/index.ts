import type { Migration } from 'kysely';
import * as m0001 from './0001-initial';
import * as m0002 from './0002-jobs';
import * as m0006 from './0006-remask-key-labels';
import * as m0008 from './0008-price-versions';
import * as m0009 from './0009-budgets';
import * as m0010 from './0010-account-identity';
import * as m0012 from './0012-saved-views';
import * as m0013 from './0013-pool';
import * as m0014 from './0014-alerts';
import * as m0015 from './0015-ttft-rollup';
import * as m0016 from './0016-upstreams';
import * as m0017 from './0017-leases';
import * as m0018 from './0018-import-checkpoint';
import * as m0019 from './0019-scale-indexes';
import * as m0020 from './0020-rollup-day';
import * as m0022 from './0022-rollup-hour-zone';
import * as m0024 from './0024-upstream-ts';
import * as m0025 from './0025-rollup-fold';
import * as m0026 from './0026-day-dims';
import * as m0027 from './0027-pool-run-upstream';
import * as m0028 from './0028-header-sets';
import * as m0030 from './0030-account-upstream';
import * as m0031 from './0031-pg-dims';
import * as m0032 from './0032-dedup-key';
import * as m0033 from './0033-upstream-tiers';

/** Postgres migrations, listed in code (a bundle has no folder to scan). Names sort in apply order. */
export const pgMigrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-jobs': m0002,
  '0006-remask-key-labels': m0006,
  '0008-price-versions': m0008,
  '0009-budgets': m0009,
  '0010-account-identity': m0010,
  '0012-saved-views': m0012,
  '0013-pool': m0013,
  '0014-alerts': m0014,
  '0015-ttft-rollup': m0015,
  '0016-upstreams': m0016,
  '0017-leases': m0017,
  '0018-import-checkpoint': m0018,
  '0019-scale-indexes': m0019,
  '0020-rollup-day': m0020,
  '0022-rollup-hour-zone': m0022,
  '0024-upstream-ts': m0024,
  '0025-rollup-fold': m0025,
  '0026-day-dims': m0026,
  '0027-pool-run-upstream': m0027,
  '0028-header-sets': m0028,
  '0030-account-upstream': m0030,
  '0031-pg-dims': m0031,
  '0032-dedup-key': m0032,
  '0033-upstream-tiers': m0033,
};
