// Starts a fresh fake CPA and an SDK client per test, and closes both afterwards.
import { afterEach, beforeEach } from 'vitest';
import { startFakeCpa, type FakeCpa, type FakeCpaOptions } from '@cpamp/testkit';
import { createCpaClient, type CpaClient, type CpaClientOptions } from '@cpamp/sdk-cpa';

export interface Harness {
  fake: FakeCpa;
  cpa: CpaClient;
  /** Extra clients/servers to close after the test. */
  cleanup: (() => Promise<void>)[];
}

export function useFakeCpa(options: FakeCpaOptions = {}, client: Partial<CpaClientOptions> = {}): Harness {
  const h = { cleanup: [] } as unknown as Harness;
  beforeEach(async () => {
    h.fake = await startFakeCpa(options);
    h.cpa = createCpaClient({
      baseUrl: h.fake.url,
      managementKey: h.fake.managementKey,
      retries: { max: 2, baseDelayMs: 1, maxDelayMs: 5 },
      ...client,
    });
    h.cleanup = [];
  });
  afterEach(async () => {
    for (const fn of h.cleanup.reverse()) await fn();
    await h.cpa.close();
    await h.fake.close();
  });
  return h;
}

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to reject');
}
