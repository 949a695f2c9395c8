// Automation with ownership: cpamp disables an account when its quota is used up and re-enables it at
// the reset — only accounts it disabled itself (a pool_ownership row). Whatever a user does to an account
// (through the pool routes, the proxied auth-file routes, or straight in CPA) ends cpamp's ownership.
// Auth problems go to the issue queue, optionally with an auto-disable. An exhausted account that cpamp does
// not put in a cooldown (policy off, dry run, or the disable failed) goes to the queue as `exhausted`, resolved
// by itself at the reset or when a probe finds quota again. Every action is logged with its reason; in dry-run
// mode the log says what would have happened and CPA is left alone.
import { DEFAULT_UPSTREAM_NAME } from '../config/upstreams-type';
import { upstreamOfKey } from './pool-key';
import type { PoolAccountRow, PoolActionRow, PoolDeps, PoolIssueRow } from './types';

/** Default cooldown when the provider gave no reset time (Codex's 5 h window). */
const DEFAULT_COOLDOWN_MS = 5 * 3_600_000;
/** Setting key: when an `exhausted` issue of the account resolves by itself (its quota reset). */
const exhaustedUntilKey = (authIndex: string) => `pool.exhausted_until:${authIndex}`;
type IssueKind = 'unauthorized' | 'expired' | 'banned';

export interface UserActionResult {
  issue: PoolIssueRow;
  action: PoolActionRow | null;
}

export interface Automation {
  /** The account's quota is used up until `resetAtMs` (from a probe or from a 429 in the usage stream). */
  onExhausted(acc: PoolAccountRow, resetAtMs: number | null, reason: string, opts?: { dryRun?: boolean }): Promise<void>;
  /** A 401/expired/banned observation; `allowAutoDisable` is false for evidence that is not a probe. */
  onAuthIssue(acc: PoolAccountRow, issue: IssueKind, detail: string, opts?: { dryRun?: boolean; allowAutoDisable?: boolean }): Promise<void>;
  /** A probe came back fine: open auth issues of the account are resolved. */
  onHealthy(acc: PoolAccountRow): Promise<void>;
  /** Re-enables owned accounts whose cooldown is over. */
  recoverDue(): Promise<number>;
  /** Resolves `exhausted` issues whose quota reset has passed; returns how many. */
  resolveExhaustedDue(): Promise<number>;
  /** After a sync: drops ownership where the account changed outside cpamp. */
  reconcile(): Promise<void>;
  /** Admin action on an issue (ignore | resolve | enable | disable | delete). */
  issueAction(id: number, action: 'ignore' | 'resolve' | 'enable' | 'disable' | 'delete'): Promise<UserActionResult | null>;
  /** A user changed an account's state through a route cpamp proxies: cpamp no longer owns its disable. */
  revokeOwnership(authIndex: string, why: string): Promise<void>;
  /**
   * A user explicitly enabled or disabled an auth file through cpamp's proxy (even to the state it already
   * had): cpamp drops its ownership, and a disable answers the account's `exhausted` issue.
   */
  /** `upstream`: the CPA the change went to (file names are unique within one CPA only); none: the default one. */
  userSetDisabled(fileName: string, disabled: boolean, upstream?: string): Promise<void>;
  /**
   * One action on an account outside the issue queue (an inspection's auto-action or a bulk apply of a run's
   * suggestions): performed (or, in dry run, only logged) and logged with its reason. A user's action ends
   * cpamp's ownership of the account's state. Returns the log entry.
   */
  act(acc: PoolAccountRow, action: 'disable' | 'enable' | 'delete', reason: string, opts?: { dryRun?: boolean; actor?: 'cpamp' | 'user' }): Promise<PoolActionRow>;
}

export function createAutomation(d: PoolDeps): Automation {
  const { repo } = d;

  const log = async (acc: PoolAccountRow, action: 'disable' | 'enable' | 'delete', actor: 'cpamp' | 'user', reason: string, dryRun: boolean, error: string | null): Promise<PoolActionRow> => {
    const entry = await repo.logAction({ authIndex: acc.authIndex, fileName: acc.fileName, action, actor, reason, dryRun, ok: error === null, error });
    d.publish({ type: 'action', action: entry });
    d.invalidate('state');
    return entry;
  };

  /** Performs one CPA change; returns the error text or null. */
  const apply = async (acc: PoolAccountRow, action: 'disable' | 'enable' | 'delete'): Promise<string | null> => {
    const cpa = d.cpa(acc.authIndex);
    if (!cpa) return 'cpamp is not connected to CPA';
    if (!acc.fileName) return 'the account has no auth file name (config api-key credentials cannot be changed here)';
    try {
      if (action === 'delete') await cpa.deleteFile(acc.fileName);
      else await cpa.setDisabled(acc.fileName, action === 'disable', acc.authIndex);
      if (action !== 'delete') await repo.setAccountDisabled(acc.authIndex, action === 'disable');
      return null;
    } catch (err) {
      return (err as Error).message.slice(0, 500);
    }
  };

  const disableOwned = async (acc: PoolAccountRow, kind: 'quota' | 'auth-issue', reason: string, recoverAtMs: number | null, dryRun: boolean): Promise<void> => {
    if (dryRun) {
      await log(acc, 'disable', 'cpamp', `${reason} (dry run)`, true, null);
      return;
    }
    const error = await apply(acc, 'disable');
    await log(acc, 'disable', 'cpamp', reason, false, error);
    if (error) return;
    await repo.setOwnership({ authIndex: acc.authIndex, fileName: acc.fileName, provider: acc.provider, kind, reason, window: null, disabledAtMs: d.now(), recoverAtMs });
    if (kind === 'quota') {
      d.emit({ kind: 'cooldown-entered', subject: acc.authIndex, provider: acc.provider, untilMs: recoverAtMs, reason });
      // The cooldown handles it now: no need for the user to act.
      await resolveExhausted(acc.authIndex);
    }
  };

  const resolveExhausted = async (authIndex: string): Promise<number> => {
    const resolved = await repo.resolveIssuesOf(authIndex, ['exhausted']);
    if (resolved.length) {
      await d.settings.set(exhaustedUntilKey(authIndex), null);
      d.invalidate('state');
    }
    return resolved.length;
  };

  /** Queues (or refreshes) the `exhausted` issue of an account that keeps serving; remembers its reset. */
  const queueExhausted = async (acc: PoolAccountRow, recoverAtMs: number, reason: string): Promise<void> => {
    if (!d.policy(upstreamOfKey(acc.authIndex)).authIssueQueue) return;
    const until = new Date(recoverAtMs).toISOString();
    const row = await repo.upsertIssue({ authIndex: acc.authIndex, fileName: acc.fileName, provider: acc.provider, issue: 'exhausted', detail: `${reason.slice(0, 300)}; quota resets at ${until}` });
    const key = exhaustedUntilKey(acc.authIndex);
    const known = row.count > 1 ? await d.settings.get<number | null>(key) : null;
    // A repeat keeps the later reset (a second window may bind longer).
    if (known === null || known === undefined || known <= d.now() || recoverAtMs > known) await d.settings.set(key, recoverAtMs);
    d.invalidate('state');
  };

  const automation: Automation = {
    async onExhausted(acc, resetAtMs, reason, opts = {}) {
      const policy = d.policy(upstreamOfKey(acc.authIndex));
      const recoverAtMs = resetAtMs !== null && resetAtMs > d.now() ? resetAtMs : d.now() + DEFAULT_COOLDOWN_MS;
      const owned = await repo.getOwnership(acc.authIndex);
      if (owned) {
        // Still exhausted while in our cooldown: extend it to the later reset.
        if (owned.kind === 'quota' && (owned.recoverAtMs === null || recoverAtMs > owned.recoverAtMs)) {
          await repo.setOwnership({ ...owned, recoverAtMs });
          d.invalidate('state');
        }
        return;
      }
      // A disabled account serves nothing: there is nothing to do about its quota.
      if (acc.disabled) return;
      const dryRun = policy.dryRun || opts.dryRun === true;
      if (policy.autoDisableOnExhaustion) {
        const until = new Date(recoverAtMs).toISOString();
        await disableOwned(acc, 'quota', `${reason}; quota resets at ${until}`, recoverAtMs, dryRun);
        if (await repo.getOwnership(acc.authIndex)) return;
      }
      // Still serving while exhausted (no auto-disable, dry run, or the disable failed): the user decides.
      await queueExhausted(acc, recoverAtMs, reason);
    },

    async onAuthIssue(acc, issue, detail, opts = {}) {
      const policy = d.policy(upstreamOfKey(acc.authIndex));
      if (!policy.authIssueQueue) return;
      const row = await repo.upsertIssue({ authIndex: acc.authIndex, fileName: acc.fileName, provider: acc.provider, issue, detail });
      d.invalidate('state');
      d.emit({ kind: 'account-auth-issue', subject: acc.authIndex, provider: acc.provider, issue, detail });
      if (row.state !== 'open' || !policy.autoDisableAuthIssues || opts.allowAutoDisable === false) return;
      if (acc.disabled || await repo.getOwnership(acc.authIndex)) return;
      await disableOwned(acc, 'auth-issue', `auth issue: ${issue} (${detail.slice(0, 120)})`, null, policy.dryRun || opts.dryRun === true);
    },

    async onHealthy(acc) {
      // Quota is back before the expected reset (an early or moved reset): restore on the next tick.
      const owned = await repo.getOwnership(acc.authIndex);
      if (owned?.kind === 'quota' && (owned.recoverAtMs === null || owned.recoverAtMs > d.now())) {
        await repo.setOwnership({ ...owned, recoverAtMs: d.now() });
        d.invalidate('state');
      }
      const resolved = await repo.resolveIssuesOf(acc.authIndex, ['unauthorized', 'expired', 'banned']);
      if (resolved.length) {
        d.invalidate('state');
        d.emit({ kind: 'resolved', resolves: 'account-auth-issue', subject: acc.authIndex });
      }
      // The probe found quota: an `exhausted` issue is over.
      await resolveExhausted(acc.authIndex);
    },

    async resolveExhaustedDue() {
      let n = 0;
      for (const issue of await repo.listIssues('open', 100_000)) {
        if (issue.issue !== 'exhausted') continue;
        const until = await d.settings.get<number | null>(exhaustedUntilKey(issue.authIndex));
        if (until === undefined || until === null || until <= d.now()) n += await resolveExhausted(issue.authIndex);
      }
      return n;
    },

    async recoverDue() {
      let n = 0;
      for (const o of await repo.listOwnership()) {
        if (o.kind !== 'quota' || o.recoverAtMs === null || o.recoverAtMs > d.now()) continue;
        // Each account follows its own CPA's policy (several CPAs; pool-service.ts).
        const policy = d.policy(upstreamOfKey(o.authIndex));
        if (!policy.autoRestoreAtReset) continue;
        const acc = await repo.getAccount(o.authIndex);
        if (!acc || acc.deletedMs !== null) {
          await repo.dropOwnership(o.authIndex);
          continue;
        }
        if (!acc.disabled) {
          // Someone enabled it already: not ours any more.
          await repo.dropOwnership(o.authIndex);
          await log(acc, 'enable', 'user', 'enabled outside cpamp before the quota reset; cpamp dropped its ownership', false, null);
          continue;
        }
        if (policy.dryRun) {
          await log(acc, 'enable', 'cpamp', `quota reset reached (dry run)`, true, null);
          await repo.dropOwnership(o.authIndex);
          continue;
        }
        const error = await apply(acc, 'enable');
        await log(acc, 'enable', 'cpamp', `quota reset reached (${new Date(o.recoverAtMs).toISOString()}); restoring what cpamp disabled`, false, error);
        if (error) continue;
        await repo.dropOwnership(o.authIndex);
        n++;
        d.emit({ kind: 'cooldown-recovered', subject: acc.authIndex, provider: acc.provider });
        d.emit({ kind: 'resolved', resolves: 'cooldown-entered', subject: acc.authIndex });
      }
      return n;
    },

    async reconcile() {
      for (const o of await repo.listOwnership()) {
        const acc = await repo.getAccount(o.authIndex);
        if (!acc || acc.deletedMs !== null) {
          await repo.dropOwnership(o.authIndex);
          if (acc) await log(acc, 'delete', 'user', 'auth file removed outside cpamp; cpamp dropped its ownership', false, null);
          continue;
        }
        if (!acc.disabled) {
          await repo.dropOwnership(o.authIndex);
          await log(acc, 'enable', 'user', 'enabled outside cpamp; cpamp no longer owns this account', false, null);
          if (o.kind === 'quota') d.emit({ kind: 'resolved', resolves: 'cooldown-entered', subject: acc.authIndex });
        }
      }
    },

    async revokeOwnership(authIndex, why) {
      const o = await repo.getOwnership(authIndex);
      if (!o) return;
      await repo.dropOwnership(authIndex);
      d.logger.info({ authIndex, why }, 'pool: ownership revoked by a user action');
      d.invalidate('state');
      if (o.kind === 'quota') d.emit({ kind: 'resolved', resolves: 'cooldown-entered', subject: authIndex });
    },

    async userSetDisabled(fileName, disabled, upstream = DEFAULT_UPSTREAM_NAME) {
      const acc = (await repo.listAccounts()).find((a) => a.fileName === fileName && upstreamOfKey(a.authIndex) === upstream);
      if (!acc) return;
      await repo.setAccountDisabled(acc.authIndex, disabled);
      if (await repo.getOwnership(acc.authIndex)) {
        await automation.revokeOwnership(acc.authIndex, `${disabled ? 'disabled' : 'enabled'} through cpamp's proxy`);
        await log(acc, disabled ? 'disable' : 'enable', 'user', `${disabled ? 'disabled' : 'enabled'} by a user through cpamp's proxy; cpamp no longer owns this account`, false, null);
      }
      if (disabled) await resolveExhausted(acc.authIndex);
      d.invalidate('state');
    },

    async issueAction(id, action) {
      const issue = await repo.getIssue(id);
      if (!issue) return null;
      if (action === 'ignore' || action === 'resolve') {
        const next = (await repo.setIssueState(id, action === 'ignore' ? 'ignored' : 'resolved'))!;
        d.invalidate('state');
        // `exhausted` issues open no alert incident (only auth issues do).
        if (action === 'resolve' && issue.issue !== 'exhausted') d.emit({ kind: 'resolved', resolves: 'account-auth-issue', subject: issue.authIndex });
        return { issue: next, action: null };
      }
      const acc: PoolAccountRow = (await repo.getAccount(issue.authIndex)) ?? {
        authIndex: issue.authIndex,
        fileName: issue.fileName,
        provider: issue.provider,
        email: null,
        plan: null,
        chatgptAccountId: null,
        disabled: false,
        cpaStatus: null,
        statusMessage: null,
        lastInspectionMs: null,
        lastResult: null,
        syncedMs: 0,
        deletedMs: null,
      };
      // A user decision: cpamp gives up any ownership of this account's state.
      await automation.revokeOwnership(acc.authIndex, `issue ${id}: ${action}`);
      const error = await apply(acc, action);
      const entry = await log(acc, action, 'user', `issue #${id} (${issue.issue}): ${action} from the pool page`, false, error);
      let next = (await repo.getIssue(id))!;
      // Disabling an exhausted account is the answer to that issue; an auth issue stays until fixed.
      if (!error && (action === 'delete' || action === 'enable' || (action === 'disable' && issue.issue === 'exhausted'))) {
        next = (await repo.setIssueState(id, 'resolved'))!;
        if (issue.issue !== 'exhausted') d.emit({ kind: 'resolved', resolves: 'account-auth-issue', subject: issue.authIndex });
      }
      return { issue: next, action: entry };
    },

    async act(acc, action, reason, opts = {}) {
      const actor = opts.actor ?? 'cpamp';
      const dryRun = opts.dryRun === true || d.policy(upstreamOfKey(acc.authIndex)).dryRun;
      if (actor === 'user' && !dryRun) await automation.revokeOwnership(acc.authIndex, `${action}: ${reason}`);
      const error = dryRun ? null : await apply(acc, action);
      return log(acc, action, actor, reason, dryRun, error);
    },
  };
  return automation;
}
