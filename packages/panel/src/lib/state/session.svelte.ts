import { z } from 'zod';
import { checkSetup, saveSetup, type SetupCheck, type SetupInput } from '../api/analytics-api';
import { getConfig } from '../api/cpa-api';
import { CpaClient, defaultCpaUrl, normalizeCpaUrl } from '../api/cpa-client';
import type { CpaMeta, ManagementClientOptions } from '../api/management-client';
import { ManagerClient } from '../api/manager-client';
import { isPanelError } from '../api/errors';
import { getLiveConnection, type LiveConnection } from '../api/setup-api';
import { detectManager, type ManagerInfo } from '../api/manager-detect';
import { clearAllStores, readStore, removeStore, STORE_PREFIX, writeStore } from './storage';

export type SessionPhase = 'detecting' | 'login' | 'manager-login' | 'connecting' | 'setup' | 'ready';

const CREDS_KEY = `${STORE_PREFIX}session`;
const URL_KEY = `${STORE_PREFIX}cpa-url`;
const ADMIN_KEY = `${STORE_PREFIX}admin-session`;
const LINK_KEY = `${STORE_PREFIX}cpamp-link`;
const UPSTREAM_KEY = `${STORE_PREFIX}upstream`;

/** CPA mode: an optional cpamp server the manager pages talk to (URL + its admin key). */
export interface CpampLink {
  url: string;
  client: ManagerClient;
}

export type SessionMode = 'cpa' | 'manager';

interface SavedCreds {
  url: string;
  key: string;
}

function readCreds(kind: 'local' | 'session'): SavedCreds | null {
  const raw = readStore(kind, CREDS_KEY);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<SavedCreds>;
    return typeof v.url === 'string' && typeof v.key === 'string' ? { url: v.url, key: v.key } : null;
  } catch {
    return null;
  }
}

const EMPTY_META: CpaMeta = { version: null, commit: null, buildDate: null, supportsPlugin: null };

/**
 * Who we talk to and with which key. Keys live in memory and sessionStorage (this tab only); "remember"
 * also puts them in localStorage. Logout removes both.
 */
export class SessionState {
  phase = $state<SessionPhase>('detecting');
  /** 'manager': logged in to a cpamp server with its admin key; CPA pages go through its proxy. */
  mode = $state<SessionMode>('cpa');
  /** A manager-mode login is in flight. */
  busy = $state(false);
  cpaUrl = $state('');
  remember = $state(false);
  managerInfo = $state.raw<ManagerInfo | null>(null);
  meta = $state.raw<CpaMeta>(EMPTY_META);
  loginError = $state.raw<unknown>(null);
  /** Warnings the cpamp server keeps until the operator acts (e.g. a short admin key), from GET /status. */
  securityWarnings = $state.raw<string[]>([]);
  /** Manager mode: the CPAs the server collects from, default first (the top bar's switcher shows with two or more). */
  upstreams = $state.raw<string[]>([]);
  /** The CPA the CPA pages manage through the server's proxy. */
  upstream = $state('default');
  /** CPA's management API: directly in CPA mode, through the cpamp server's proxy in manager mode. */
  client = $state.raw<CpaClient | null>(null);
  /** Manager mode: the cpamp server's own API (same origin and key as `client`). */
  #manager = $state.raw<ManagerClient | null>(null);
  /** CPA mode only: the connected cpamp server, if any. */
  cpamp = $state.raw<CpampLink | null>(null);
  readonly defaultUrl: string;
  readonly #win: Window;
  #adminKey = '';
  #options: ManagementClientOptions | null = null;

  constructor(win: Window) {
    this.#win = win;
    this.defaultUrl = defaultCpaUrl(win.location);
    this.cpaUrl = readStore('local', URL_KEY) ?? this.defaultUrl;
  }

  /** Decides the mode and restores a saved session if there is one. */
  async init(): Promise<void> {
    // A saved admin key means this origin was a cpamp server: check it while detection runs (saves a round trip).
    const savedKey = readStore('session', ADMIN_KEY) ?? readStore('local', ADMIN_KEY);
    const early = savedKey ? this.statusCheck(savedKey.trim()) : null;
    early?.catch(() => undefined);
    const info = await detectManager(this.#win.location.href);
    if (info) {
      this.managerInfo = info;
      if (savedKey) {
        this.remember = readStore('local', ADMIN_KEY) !== null;
        if (await this.managerLogin(savedKey, this.remember, early ?? undefined)) return;
      }
      this.phase = 'manager-login';
      return;
    }
    const saved = readCreds('session') ?? readCreds('local');
    if (saved) {
      this.remember = readCreds('local') !== null;
      await this.login(saved.url, saved.key, this.remember);
      return;
    }
    this.phase = 'login';
  }

  /** Validates the key with GET /config (the panel's first call, like CPA's own panel). */
  async login(url: string, key: string, remember: boolean): Promise<boolean> {
    const baseUrl = normalizeCpaUrl(url, this.defaultUrl);
    this.phase = 'connecting';
    this.loginError = null;
    const client = new CpaClient({ baseUrl, managementKey: key.trim(), onMeta: (m) => (this.meta = m) });
    try {
      await getConfig(client);
    } catch (e) {
      this.loginError = e;
      this.phase = 'login';
      // A rejected key must not be retried from storage on reload (CPA bans after 5 failures).
      if (isPanelError(e) && (e.code === 'unauthorized' || e.code === 'banned' || e.code === 'missing-key')) this.forgetCreds();
      return false;
    }
    this.cpaUrl = baseUrl;
    this.remember = remember;
    writeStore('local', URL_KEY, baseUrl);
    const creds = JSON.stringify({ url: baseUrl, key: key.trim() });
    writeStore('session', CREDS_KEY, creds);
    if (remember) writeStore('local', CREDS_KEY, creds);
    else removeStore('local', CREDS_KEY);
    this.client = client;
    this.mode = 'cpa';
    this.phase = 'ready';
    void this.restoreCpamp();
    return true;
  }

  /**
   * Manager mode: checks the admin key with GET ./status on the cpamp server that served the page, then
   * uses the same key for ./v0/management/* (analytics locally, everything else proxied to CPA).
   */
  async managerLogin(key: string, remember: boolean, precheck?: Promise<unknown>): Promise<boolean> {
    const adminKey = key.trim();
    this.busy = true;
    this.loginError = null;
    const options = { baseUrl: this.defaultUrl, managementKey: adminKey, onMeta: (m: CpaMeta) => (this.meta = m) };
    try {
      const status = await (precheck ?? this.statusCheck(adminKey));
      this.securityWarnings = await securityWarningsOf(status);
      this.upstreams = await upstreamsOf(status);
    } catch (e) {
      this.loginError = e;
      this.phase = 'manager-login';
      if (isPanelError(e) && (e.code === 'unauthorized' || e.code === 'missing-key')) this.forgetCreds();
      return false;
    } finally {
      this.busy = false;
    }
    this.remember = remember;
    writeStore('session', ADMIN_KEY, adminKey);
    if (remember) writeStore('local', ADMIN_KEY, adminKey);
    else removeStore('local', ADMIN_KEY);
    this.#adminKey = adminKey;
    this.#options = options;
    const saved = readStore('session', UPSTREAM_KEY);
    this.selectUpstream(saved && this.upstreams.includes(saved) ? saved : 'default');
    this.mode = 'manager';
    this.phase = this.needsSetup ? 'setup' : 'ready';
    return true;
  }

  /** GET ./status on the cpamp server that served the page, with the admin key. */
  private statusCheck(adminKey: string): Promise<Response> {
    const probe = new ManagerClient({ baseUrl: this.defaultUrl, managementKey: adminKey, onMeta: (m) => (this.meta = m) });
    return probe.external('GET', '/status', { Authorization: `Bearer ${adminKey}`, Accept: 'application/json' });
  }

  /** Manager mode: the server has no CPA connection yet (first run). */
  get needsSetup(): boolean {
    const i = this.managerInfo;
    return !!i && (i.setupRequired === true || i.configured === false);
  }

  /** Client for the manager pages: the cpamp server in manager mode, or the linked one in CPA mode. */
  get managerClient(): ManagerClient | null {
    return this.mode === 'manager' ? this.#manager : (this.cpamp?.client ?? null);
  }

  get hasManager(): boolean {
    return this.managerClient !== null;
  }

  /** Runs the server's doctor against a candidate CPA connection (nothing saved). */
  checkSetup(input: SetupInput, signal?: AbortSignal): Promise<SetupCheck> {
    const c = this.#manager;
    if (!c || this.mode !== 'manager') return Promise.reject(new Error('Setup needs a manager-mode login.'));
    return checkSetup(c, this.#adminKey, input, signal ? { signal } : {});
  }

  /** Saves the CPA connection (the server validates it again), then re-reads /usage-service/info. */
  async saveSetup(input: SetupInput): Promise<void> {
    const c = this.#manager;
    if (!c || this.mode !== 'manager') throw new Error('Setup needs a manager-mode login.');
    await saveSetup(c, this.#adminKey, input);
    const info = await detectManager(this.#win.location.href);
    this.managerInfo = info ? { ...info, configured: true, setupRequired: false } : { configured: true, setupRequired: false };
    this.phase = 'ready';
  }

  /** Manager mode: the server's current CPA connection and whether it works now (the wizard's prefill). */
  liveConnection(signal?: AbortSignal): Promise<LiveConnection> {
    const c = this.#manager;
    if (!c || this.mode !== 'manager') return Promise.reject(new Error('Setup needs a manager-mode login.'));
    return getLiveConnection(c, this.#adminKey, signal ? { signal } : {});
  }

  openSetup(): void {
    if (this.mode === 'manager' && this.client) this.phase = 'setup';
  }

  closeSetup(): void {
    if (this.client) this.phase = 'ready';
  }

  /** CPA mode: links a cpamp server (checked with GET /status and its admin key). */
  async connectCpamp(url: string, key: string, remember: boolean): Promise<void> {
    const baseUrl = normalizeCpaUrl(url, this.defaultUrl);
    const adminKey = key.trim();
    const client = new ManagerClient({ baseUrl, managementKey: adminKey });
    await client.external('GET', '/status', { Authorization: `Bearer ${adminKey}`, Accept: 'application/json' });
    const saved = JSON.stringify({ url: baseUrl, key: adminKey });
    writeStore('session', LINK_KEY, saved);
    if (remember) writeStore('local', LINK_KEY, saved);
    else removeStore('local', LINK_KEY);
    this.cpamp = { url: baseUrl, client };
  }

  disconnectCpamp(): void {
    removeStore('session', LINK_KEY);
    removeStore('local', LINK_KEY);
    this.cpamp = null;
  }

  /** Restores a saved cpamp link after a CPA-mode login (dropped if the server refuses the key). */
  private async restoreCpamp(): Promise<void> {
    const raw = readStore('session', LINK_KEY) ?? readStore('local', LINK_KEY);
    if (!raw) return;
    try {
      const v = JSON.parse(raw) as Partial<SavedCreds>;
      if (typeof v.url === 'string' && typeof v.key === 'string') await this.connectCpamp(v.url, v.key, readStore('local', LINK_KEY) !== null);
    } catch (e) {
      if (isPanelError(e) && (e.code === 'unauthorized' || e.code === 'missing-key')) this.disconnectCpamp();
    }
  }

  /** What the top bar shows: the CPA URL, or the cpamp server in manager mode. */
  get connectedTo(): string {
    return this.mode === 'manager' ? this.defaultUrl : this.cpaUrl;
  }

  /**
   * Manager mode: points the CPA pages at another CPA (they reload: the shell keys them on it). With two or
   * more CPAs every call names it (X-Cpamp-Upstream): the proxy forwards to it and the pool pages show its
   * accounts; analytics ignore the header (Monitoring has its own CPA filter).
   */
  selectUpstream(name: string): void {
    const o = this.#options;
    if (!o || (name !== 'default' && !this.upstreams.includes(name))) return;
    this.upstream = name;
    writeStore('session', UPSTREAM_KEY, name);
    this.#manager = new ManagerClient(this.upstreams.length > 1 ? { ...o, headers: { 'X-Cpamp-Upstream': name } } : o);
    this.client = this.#manager.cpaViaProxy();
  }

  /** Manager mode: the CPAs changed (added or removed on the Collector page): the switcher lists them again. */
  setUpstreams(names: string[]): void {
    this.upstreams = names;
    this.selectUpstream(names.includes(this.upstream) ? this.upstream : 'default');
  }

  logout(): void {
    this.upstreams = [];
    this.upstream = 'default';
    this.forgetCreds();
    this.mode = 'cpa';
    this.client = null;
    this.#manager = null;
    this.#options = null;
    this.cpamp = null;
    this.#adminKey = '';
    this.meta = EMPTY_META;
    this.loginError = null;
    this.phase = this.managerInfo ? 'manager-login' : 'login';
  }

  /** Removes everything the panel stored in this browser (System → Clear local data). */
  clearLocalData(): void {
    clearAllStores();
    this.cpaUrl = this.defaultUrl;
    this.logout();
  }

  /** In manager mode, fall back to managing CPA directly. */
  useCpaMode(): void {
    this.loginError = null;
    this.phase = 'login';
  }

  useManagerMode(): void {
    if (!this.managerInfo) return;
    this.loginError = null;
    this.phase = 'manager-login';
  }

  private forgetCreds(): void {
    removeStore('session', CREDS_KEY);
    removeStore('local', CREDS_KEY);
    removeStore('session', ADMIN_KEY);
    removeStore('local', ADMIN_KEY);
    removeStore('session', LINK_KEY);
    removeStore('local', LINK_KEY);
    removeStore('session', UPSTREAM_KEY);
  }
}

const StatusWarnings = z.object({ securityWarnings: z.array(z.string()).catch([]) });

/** The `securityWarnings` of a /status answer (an older server has none). */
async function securityWarningsOf(status: unknown): Promise<string[]> {
  if (!(status instanceof Response)) return [];
  try {
    const parsed = StatusWarnings.safeParse(await status.clone().json());
    return parsed.success ? parsed.data.securityWarnings : [];
  } catch {
    return [];
  }
}

const StatusUpstreams = z.object({ upstreams: z.array(z.object({ name: z.string() })).catch([]) });

/** The upstream names of a /status answer (an older server lists none). */
async function upstreamsOf(status: unknown): Promise<string[]> {
  if (!(status instanceof Response)) return [];
  try {
    const parsed = StatusUpstreams.safeParse(await status.clone().json());
    return parsed.success ? parsed.data.upstreams.map((u) => u.name) : [];
  } catch {
    return [];
  }
}
