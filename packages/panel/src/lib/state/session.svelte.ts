import { getConfig } from '../api/cpa-api';
import { CpaClient, defaultCpaUrl, normalizeCpaUrl, type CpaMeta } from '../api/cpa-client';
import { isPanelError } from '../api/errors';
import { detectManager, type ManagerInfo } from '../api/manager-detect';
import { clearAllStores, readStore, removeStore, STORE_PREFIX, writeStore } from './storage';

export type SessionPhase = 'detecting' | 'login' | 'manager-login' | 'connecting' | 'ready';

const CREDS_KEY = `${STORE_PREFIX}session`;
const URL_KEY = `${STORE_PREFIX}cpa-url`;

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
  cpaUrl = $state('');
  remember = $state(false);
  managerInfo = $state.raw<ManagerInfo | null>(null);
  meta = $state.raw<CpaMeta>(EMPTY_META);
  loginError = $state.raw<unknown>(null);
  client = $state.raw<CpaClient | null>(null);
  readonly defaultUrl: string;
  readonly #win: Window;

  constructor(win: Window) {
    this.#win = win;
    this.defaultUrl = defaultCpaUrl(win.location);
    this.cpaUrl = readStore('local', URL_KEY) ?? this.defaultUrl;
  }

  /** Decides the mode and restores a saved session if there is one. */
  async init(): Promise<void> {
    const info = await detectManager(this.#win.location.href);
    if (info) {
      this.managerInfo = info;
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
    this.phase = 'ready';
    return true;
  }

  logout(): void {
    this.forgetCreds();
    this.client = null;
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
    this.phase = 'login';
  }

  useManagerMode(): void {
    if (this.managerInfo) this.phase = 'manager-login';
  }

  private forgetCreds(): void {
    removeStore('session', CREDS_KEY);
    removeStore('local', CREDS_KEY);
  }
}
