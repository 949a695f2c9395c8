// One status per account everywhere (issue #17): on `cpamp demo`'s 60 accounts, the pool summary counts,
// the accounts list, the issue queue and the alert incidents agree, and each demo role lands in the state
// the model gives it (the panel side is compared in packages/panel/test/accounts.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { generateAccountPool } from '@cpamp/testkit';
import { loadConfig } from '../src/index';
import { DEMO_ACCOUNTS, DEMO_SEED, planDemoPool } from '../src/cli/demo-pool';
import { runCli, type CliIo } from '../src/testing';
import { tempDir, waitFor } from './helpers';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function memoryIo(cwd: string): CliIo & { stdout: string[] } {
  const stdout: string[] = [];
  return {
    stdout,
    out: { write: (s: string) => void stdout.push(s) },
    err: { write: () => undefined },
    loadConfig: (argv) => loadConfig({ env: { CPAMP_DOCKER: '0', CPAMP_LOG_LEVEL: 'silent' }, argv, cwd }),
  };
}

type Account = { authIndex: string; fileName: string | null; status: string; owner: string | null; untilMs: number | null; evidence: { source: string; fact: string }[]; disabledBy: string | null };

describe('one account status model on the demo pool', () => {
  it('the pool summary, the accounts list, the metrics, the issue queue and the alerts agree; demo roles get their states', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const io = memoryIo(dir.path);
    const result = await runCli(['demo', '--port', '0', '--events', '20'], io);
    expect(result.code).toBe(0);
    try {
      const text = io.stdout.join('');
      const url = /panel:\s+(http:\/\/127\.0\.0\.1:\d+)\/management\.html/.exec(text)?.[1] as string;
      const key = /admin key:\s+(cpamp_[0-9A-Za-z]{32})/.exec(text)?.[1] as string;
      const get = async <T>(path: string): Promise<T> => {
        const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
        expect(res.status, path).toBe(200);
        return (await res.json()) as T;
      };
      await waitFor(async () => (await get<{ items: { state: string }[] }>('/v0/management/pool/inspections')).items.find((r) => r.state !== 'running'), {
        timeoutMs: 20_000,
        intervalMs: 200,
        what: 'a finished inspection run',
      });

      const overview = await get<{ counts: Record<string, number> }>('/v0/management/pool/overview');
      const accounts: Account[] = [];
      for (let cursor: string | null = '0'; cursor !== null; ) {
        const page: { items: Account[]; nextCursor: string | null } = await get(`/v0/management/pool/accounts?limit=500&sort=name&cursor=${cursor}`);
        accounts.push(...page.items);
        cursor = page.nextCursor;
      }
      // Summary = list, state by state; every account has exactly one state with evidence.
      const tally: Record<string, number> = {};
      for (const a of accounts) tally[a.status] = (tally[a.status] ?? 0) + 1;
      const { total, ...byState } = overview.counts;
      expect(total).toBe(accounts.length);
      expect(Object.fromEntries(Object.entries(byState).filter(([, n]) => n > 0))).toEqual(tally);
      expect(accounts.every((a) => a.evidence.length > 0)).toBe(true);
      // Metrics report the same numbers.
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).text();
      for (const [state, n] of Object.entries(byState)) expect(metrics, state).toContain(`cpamp_accounts{state="${state}"} ${n}\n`);
      // The list filtered by each state returns the same accounts.
      for (const [state, n] of Object.entries(tally)) expect((await get<{ total: number }>(`/v0/management/pool/accounts?status=${state}&limit=1`)).total, state).toBe(n);

      // Demo roles: three cooldowns cpamp holds (with an end), one expired token, one ban; disabled files are the user's.
      const pool = generateAccountPool({ seed: DEMO_SEED, accounts: DEMO_ACCOUNTS });
      const plan = planDemoPool(pool);
      const byIndex = new Map(accounts.map((a) => [a.authIndex, a]));
      for (const a of plan.exhausted) expect(byIndex.get(a.authIndex)).toMatchObject({ status: 'cooldown', owner: 'cpamp', untilMs: expect.any(Number) });
      expect(byIndex.get(plan.expired[0]!.authIndex)?.status).toBe('expired');
      expect(byIndex.get(plan.banned[0]!.authIndex)?.status).toBe('banned');
      const userDisabled = pool.filter((a) => a.file?.content.disabled === true);
      for (const a of userDisabled) expect(byIndex.get(a.authIndex)).toMatchObject({ status: 'disabled_by_user', owner: 'user' });
      expect(tally['cooldown']).toBe(plan.exhausted.length);
      expect(tally['disabled_by_user'] ?? 0).toBe(userDisabled.length);

      // The issue queue and the alert incidents name the same accounts the states do.
      const issues = await get<{ items: { authIndex: string; issue: string }[] }>('/v0/management/pool/issues?state=open');
      for (const i of issues.items.filter((x) => x.issue !== 'exhausted')) expect(byIndex.get(i.authIndex)?.status, i.authIndex).toBe(i.issue);
      const bad = accounts.filter((a) => ['expired', 'unauthorized', 'banned'].includes(a.status));
      for (const a of bad) expect(issues.items.some((i) => i.authIndex === a.authIndex) || a.evidence.some((e) => e.source === 'inspection'), a.authIndex).toBe(true);
      const incidents = await get<{ items: { kind: string; subject: string }[] }>('/v0/management/alerts/incidents?state=open');
      for (const inc of incidents.items.filter((i) => i.kind === 'account-auth-issue')) expect(['expired', 'unauthorized', 'banned']).toContain(byIndex.get(inc.subject)?.status);
      for (const inc of incidents.items.filter((i) => i.kind === 'cooldown-entered')) expect(byIndex.get(inc.subject)?.status).toBe('cooldown');
    } finally {
      await result.stop?.();
    }
  }, 40_000);
});
