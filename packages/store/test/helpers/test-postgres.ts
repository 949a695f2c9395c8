// The Postgres cluster of a suite: started before its tests, stopped after them.
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { startTestPostgres, type TestPostgres } from '@cpamp/testkit';

export interface SuitePostgres {
  /** The server's connection string; valid once the suite's tests run. */
  readonly url: string;
}

/**
 * Registers the cluster's start and stop with the enclosing suite. An external server (CPAMP_TEST_PG_URL)
 * outlives the run: the schemas named in `schemas` (read at the end, so a suite may add to it) are dropped first.
 */
export function useTestPostgres(schemas: readonly string[]): SuitePostgres {
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    server = await startTestPostgres();
  }, 60_000);
  afterAll(async () => {
    if (!server) return;
    if (process.env.CPAMP_TEST_PG_URL && schemas.length) {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      for (const name of schemas) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await client.end();
    }
    // Stopping removes the cluster's files: slow on a loaded machine.
    await server.stop();
  }, 60_000);
  return {
    get url() {
      if (!server) throw new Error('the test Postgres is not started yet');
      return server.url;
    },
  };
}
