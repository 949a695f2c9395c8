// The background-job runner through a real app: real SQLite in a temp data dir, the HTTP routes over
// inject, `job` events over a real SSE socket, a restart on the same data dir. Time is a fake clock (the
// runner throttles progress by it); handlers wait on gates the test opens, never on sleeps.
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeRecord } from '@cpamp/collector';
import { openStore } from '@cpamp/store';
import { generateUsage } from '@cpamp/testkit';
import { buildApp, defineConfig, ServerError, type JobRunner, type JobView } from '../src/index';
import { createRetentionService } from '../src/testing';
import { bearer, tempDir } from './helpers';

const ADMIN_KEY = 'jobs-test-admin-key-0123456789abcdef';
const T0 = Date.UTC(2026, 7, 22, 12);

/** Chunks a handler may run: each wait() takes one credit or blocks until release() or an abort. */
class Gate {
  private credits = 0;
  private waiters: { resolve: () => void }[] = [];
  waiting = 0;
  constructor(credits = 0) {
    this.credits = credits;
  }
  wait(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.credits > 0) {
      this.credits -= 1;
      return Promise.resolve();
    }
    this.waiting += 1;
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          this.waiting -= 1;
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        this.waiting -= 1;
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }
  release(n = 1): void {
    for (let i = 0; i < n; i += 1) {
      const w = this.waiters.shift();
      if (w) w.resolve();
      else this.credits += 1;
    }
  }
}

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`not met within ${ms} ms: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

const _injectOne = (app: FastifyInstance, url: string) => app.inject({ url });
type Reply = ReturnType<typeof _injectOne>;

interface Booted {
  app: FastifyInstance;
  jobs: JobRunner;
  logs: string[];
  get(url: string): Reply;
  post(url: string): Reply;
}

const clock = { now: T0 };
const apps: FastifyInstance[] = [];
const dirs: { cleanup(): void }[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const d of dirs.splice(0)) d.cleanup();
});

/** A real app on `dataDir`; `define` registers job kinds before it is ready (when recovery runs). */
async function boot(dataDir: string, define: (jobs: JobRunner) => void): Promise<Booted> {
  const logs: string[] = [];
  const app = await buildApp(defineConfig({ dataDir, logLevel: 'info', adminKey: ADMIN_KEY }), {
    logStream: { write: (line: string) => void logs.push(line) },
    now: () => clock.now,
    collector: false,
    retentionSchedule: false,
  });
  apps.push(app);
  const jobs = app.jobs;
  if (!jobs) throw new Error('the app has no job runner');
  define(jobs);
  await app.ready();
  const headers = bearer(ADMIN_KEY);
  return {
    app,
    jobs,
    logs,
    get: (url) => app.inject({ url, headers }),
    post: (url) => app.inject({ method: 'POST', url, headers }),
  };
}

function freshDir(): string {
  const d = tempDir('cpamp-jobs-');
  dirs.push(d);
  return d.path;
}

/** A counting job: one gate credit per step; the cursor is the next step, so a resumed run skips done ones. */
function countHandler(gate: Gate, seen?: { cursors: unknown[] }) {
  return async ({ params, cursor, signal, progress }: Parameters<Parameters<JobRunner['define']>[1]>[0]) => {
    const n = (params as { n: number }).n;
    seen?.cursors.push(cursor);
    let i = (cursor as { i: number } | null)?.i ?? 0;
    while (i < n) {
      await gate.wait(signal);
      i += 1;
      clock.now += 1_000; // past the progress throttle: every step is saved and published
      progress({ done: i, total: n, message: `step ${i}`, cursor: { i } });
    }
    return { counted: n, from: (cursor as { i: number } | null)?.i ?? 0 };
  };
}

describe('background jobs', () => {
  it('start → progress as job events on the live stream → succeeded; listed by the routes and /status', async () => {
    clock.now = T0;
    const gate = new Gate(3);
    const t = await boot(freshDir(), (jobs) => jobs.define('count', countHandler(gate)));
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    const res = await request(`${address}/v0/management/events/stream?types=job`, {
      headers: bearer(ADMIN_KEY),
      signal: controller.signal,
    });
    expect(res.statusCode).toBe(200);
    const events: JobView[] = [];
    let buf = '';
    const reading = (async () => {
      try {
        for await (const chunk of res.body) {
          buf += (chunk as Buffer).toString('utf8');
          for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (!block.includes('event: job')) continue;
            const data = block.split('\n').find((l) => l.startsWith('data: '));
            if (data) events.push(JSON.parse(data.slice(6)) as JobView);
          }
        }
      } catch {
        // aborted below
      }
    })();

    const started = await t.jobs.start('count', { n: 3 });
    expect(started).toMatchObject({ kind: 'count', state: 'queued', params: { n: 3 } });
    await until('the succeeded event', () => events.some((e) => e.state === 'succeeded'));
    controller.abort();
    await reading;

    const mine = events.filter((e) => e.id === started.id);
    expect(mine.map((e) => [e.state, e.progress.done])).toEqual([
      ['queued', 0],
      ['running', 0],
      ['running', 1],
      ['running', 2],
      ['running', 3],
      ['succeeded', 3],
    ]);
    expect(mine[2]!.progress).toEqual({ done: 1, total: 3, message: 'step 1' });
    expect(mine.at(-1)).toMatchObject({ result: { counted: 3, from: 0 }, error: null, startedMs: T0 });
    expect(mine.every((e) => !('cursor' in e))).toBe(true);

    const one = await t.get(`/v0/management/jobs/${started.id}`);
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toMatchObject({ state: 'succeeded', result: { counted: 3 }, finishedMs: T0 + 3_000 });
    const list = await t.get('/v0/management/jobs?state=succeeded,failed&kind=count');
    expect(list.json().jobs.map((j: JobView) => j.id)).toEqual([started.id]);
    expect((await t.get('/v0/management/jobs?state=bogus')).statusCode).toBe(400);
    expect((await t.get('/v0/management/jobs/999999')).json()).toMatchObject({ code: 'not_found' });
    const status = (await t.get('/status')).json();
    expect(status.jobs).toMatchObject({ running: [], recent: [{ id: started.id, state: 'succeeded' }] });
    const anonymous = await t.app.inject({ url: '/v0/management/jobs' });
    expect(anonymous.statusCode).toBe(401);
    const openapi = (await t.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, object> };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/v0/management/jobs', '/v0/management/jobs/{id}', '/v0/management/jobs/{id}/cancel']),
    );
  });

  it('cancels a running job cooperatively and a queued one at once; a finished job is not cancellable', async () => {
    clock.now = T0;
    const gate = new Gate(1);
    const t = await boot(freshDir(), (jobs) => jobs.define('count', countHandler(gate)));
    const running = await t.jobs.start('count', { n: 5 });
    const queued = await t.jobs.start('count', { n: 1 });
    await until('the first job waits on its second step', () => gate.waiting === 1);
    expect((await t.jobs.get(queued.id))?.state).toBe('queued');

    const cancelQueued = await t.post(`/v0/management/jobs/${queued.id}/cancel`);
    expect(cancelQueued.statusCode, cancelQueued.body).toBe(200);
    expect(cancelQueued.json()).toMatchObject({ state: 'cancelled', cancelRequested: true });

    const cancel = await t.post(`/v0/management/jobs/${running.id}/cancel`);
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json()).toMatchObject({ state: 'running', cancelRequested: true });
    const done = await t.jobs.settled(running.id);
    expect(done).toMatchObject({ state: 'cancelled', progress: { done: 1, total: 5 }, error: null });
    expect(gate.waiting).toBe(0);

    const again = await t.post(`/v0/management/jobs/${running.id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('job_finished');
    expect((await t.post('/v0/management/jobs/424242/cancel')).statusCode).toBe(404);
  });

  it('throttles progress: of a burst of reports at one instant the last one still lands, after the interval', async () => {
    clock.now = T0;
    const gate = new Gate();
    const t = await boot(freshDir(), (jobs) =>
      jobs.define('burst', async ({ signal, progress }) => {
        for (let i = 1; i <= 1_000; i += 1) progress({ done: i, total: 1_000, cursor: { i } });
        await gate.wait(signal);
        return null;
      }),
    );
    const job = await t.jobs.start('burst');
    await until('the job waits', () => gate.waiting === 1);
    await until('the last report is saved', async () => (await t.jobs.get(job.id))?.progress.done === 1_000);
    expect(await t.jobs.get(job.id)).toMatchObject({ state: 'running', progress: { total: 1_000 }, cursor: { i: 1_000 } });
    gate.release();
    expect((await t.jobs.settled(job.id)).state).toBe('succeeded');
  });

  it('records a failure with its coded error; an unexpected error is logged, not shown', async () => {
    clock.now = T0;
    const t = await boot(freshDir(), (jobs) => {
      jobs.define('coded', async () => {
        throw new ServerError('upstream_unavailable', 'CPA at http://127.0.0.1:1 is unreachable.');
      });
      jobs.define('buggy', async () => {
        throw new TypeError('secret-token-123 is not a function');
      });
    });
    const coded = await t.jobs.settled((await t.jobs.start('coded')).id);
    expect(coded).toMatchObject({
      state: 'failed',
      error: { code: 'upstream_unavailable', message: 'CPA at http://127.0.0.1:1 is unreachable.' },
    });
    const buggy = await t.jobs.settled((await t.jobs.start('buggy')).id);
    expect(buggy.error?.code).toBe('job_failed');
    expect(buggy.error?.message).not.toContain('secret-token-123');
    expect(t.logs.some((l) => l.includes('"msg":"job failed"') && l.includes('secret-token-123'))).toBe(true);
    const view = (await t.get(`/v0/management/jobs/${buggy.id}`)).json();
    expect(JSON.stringify(view)).not.toContain('secret-token-123');
    await expect(t.jobs.start('nope')).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('runs at most N jobs of a kind at once (1 by default, or what the kind sets)', async () => {
    clock.now = T0;
    const single = new Gate();
    const pair = new Gate();
    let inFlight = 0;
    let most = 0;
    const t = await boot(freshDir(), (jobs) => {
      jobs.define('single', countHandler(single));
      jobs.define(
        'pair',
        async ({ signal }) => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          try {
            await pair.wait(signal);
          } finally {
            inFlight -= 1;
          }
          return null;
        },
        { concurrency: 2 },
      );
    });
    const s = [await t.jobs.start('single', { n: 1 }), await t.jobs.start('single', { n: 1 })];
    const p = [await t.jobs.start('pair'), await t.jobs.start('pair'), await t.jobs.start('pair')];
    await until('one single and two pair jobs wait', () => single.waiting === 1 && pair.waiting === 2);
    const states = async (ids: number[]) => Promise.all(ids.map(async (id) => (await t.jobs.get(id))?.state));
    expect(await states(s.map((j) => j.id))).toEqual(['running', 'queued']);
    expect(await states(p.map((j) => j.id))).toEqual(['running', 'running', 'queued']);
    const status = (await t.get('/status')).json();
    expect(status.jobs.running.map((j: JobView) => j.state).sort()).toEqual([
      'queued',
      'queued',
      'running',
      'running',
      'running',
    ]);

    pair.release(1);
    await until('the third pair job runs', async () => (await t.jobs.get(p[2]!.id))?.state === 'running');
    pair.release(2);
    single.release(2);
    for (const job of [...s, ...p]) expect((await t.jobs.settled(job.id)).state).toBe('succeeded');
    expect(most).toBe(2);
  });

  it('after a restart a resumable job carries on from its cursor; a non-resumable one is marked failed', async () => {
    clock.now = T0;
    const dataDir = freshDir();
    const first = new Gate(1);
    const a = await boot(dataDir, (jobs) => {
      jobs.define('resumable', countHandler(first), { resumable: true });
      jobs.define('plain', countHandler(first));
    });
    const resumable = await a.jobs.start('resumable', { n: 3 });
    await until('step 1 saved', async () => (await a.jobs.get(resumable.id))?.progress.done === 1);
    const plain = await a.jobs.start('plain', { n: 2 });
    await until('both wait', () => first.waiting === 2);
    await a.app.close();
    apps.splice(apps.indexOf(a.app), 1);
    expect(first.waiting).toBe(0);

    clock.now = T0 + 60_000;
    const seen = { cursors: [] as unknown[] };
    const b = await boot(dataDir, (jobs) => {
      jobs.define('resumable', countHandler(new Gate(10), seen), { resumable: true });
      jobs.define('plain', countHandler(new Gate(10)));
    });
    const resumed = await b.jobs.settled(resumable.id);
    expect(resumed).toMatchObject({ state: 'succeeded', result: { counted: 3, from: 1 }, startedMs: T0 });
    expect(seen.cursors).toEqual([{ i: 1 }]);
    const interrupted = await b.jobs.settled(plain.id);
    expect(interrupted).toMatchObject({ state: 'failed', error: { code: 'job_interrupted' } });
    expect(interrupted.error?.message).toMatch(/interrupted by a restart/i);
  });

  it('retention run now is a job: ?wait=false answers 202 with it; the default waits and adds jobId', async () => {
    clock.now = T0;
    const t = await boot(freshDir(), () => {});
    await t.app.inject({
      method: 'PUT',
      url: '/v0/management/retention',
      headers: bearer(ADMIN_KEY),
      payload: { rawDays: 30, maxDbMegabytes: 1024 },
    });
    const queued = await t.post('/v0/management/retention/run?wait=false');
    expect(queued.statusCode, queued.body).toBe(202);
    const job = queued.json().job as JobView;
    expect(job).toMatchObject({ kind: 'retention', state: 'queued', params: { trigger: 'manual' } });
    const done = await t.jobs.settled(job.id);
    expect(done).toMatchObject({
      state: 'succeeded',
      progress: { done: 2, total: 2 },
      result: { deletedEvents: 0, reason: 'none' },
    });
    const waited = await t.post('/v0/management/retention/run');
    expect(waited.statusCode).toBe(200);
    expect(waited.json()).toMatchObject({ deletedEvents: 0, reason: 'none', jobId: job.id + 1 });
  });

  it('a resumed retention run skips the steps its cursor marks done; a cancel stops it between steps', async () => {
    const store = await openStore({ path: ':memory:', now: () => T0 });
    try {
      const events = [...generateUsage({ seed: 7, events: 60, days: 60, end: T0 })].flatMap((r) => {
        const n = normalizeRecord(r);
        return n.ok ? [n.event] : [];
      });
      await store.insertBatch(events);
      const total = await store.events.count();
      const old = events.filter((e) => e.timestampMs < T0 - 30 * 86_400_000).length;
      expect(old).toBeGreaterThan(0);
      const retention = createRetentionService({ store, now: () => T0, logger: { info() {}, error() {} } });
      await retention.update({ rawDays: 30 });
      const reports: { done: number; cursor?: unknown }[] = [];
      const progress = (p: { done: number; cursor?: unknown }) => void reports.push(p);
      const resumed = await retention.runJob({
        cursor: { step: 1, startedMs: T0 - 5_000, deletedEvents: 7, reason: 'age' },
        signal: new AbortController().signal,
        progress,
      });
      expect(resumed).toEqual({ deletedEvents: 7, reason: 'age', tookMs: 5_000 });
      expect(await store.events.count()).toBe(total);
      expect(reports.at(-1)).toMatchObject({ done: 2, cursor: { step: 2, deletedEvents: 7 } });

      const cancelled = new AbortController();
      cancelled.abort(new ServerError('job_cancelled', 'cancelled'));
      await expect(retention.runJob({ cursor: null, signal: cancelled.signal, progress })).rejects.toMatchObject({
        code: 'job_cancelled',
      });
      expect(await store.events.count()).toBe(total);
      const fresh = await retention.runJob({ cursor: null, signal: new AbortController().signal, progress });
      expect(fresh).toMatchObject({ deletedEvents: old, reason: 'age' });
      expect(await store.events.count()).toBe(total - old);
    } finally {
      await store.close();
    }
  });
});
