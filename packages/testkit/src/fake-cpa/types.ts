/** Public types of the fake CPA (docs/design.md, "CPA protocol, as cpamp relies on it"). */
import type { FakeQuotaAccounts } from './quota-accounts';
import type { PluginInfo } from './state';

/** One OAuth credential file in the fake auth-dir: its file name and JSON content. */
export interface FakeAuthFile {
  /** File name, must end with `.json`, e.g. `codex-alice@example.com.json`. */
  name: string;
  /** The JSON object stored in the file (`type`, `email`, `access_token`, …). */
  content: Record<string, unknown>;
  /** Overrides the derived 16-hex auth_index (default: sha256 of `<type>:/root/.cli-proxy-api/<name>`). */
  authIndex?: string;
  /** Runtime status surfaced by /auth-files (default `active`, or `disabled` if content.disabled). */
  status?: 'active' | 'pending' | 'refreshing' | 'error' | 'disabled' | 'unknown';
  statusMessage?: string;
  unavailable?: boolean;
  nextRetryAfter?: string;
  success?: number;
  failed?: number;
}

export interface FakeCpaOptions {
  managementKey?: string;
  version?: string | null;
  usageStatisticsEnabled?: boolean;
  retentionSeconds?: number;
  allowRemote?: boolean;
  authFiles?: FakeAuthFile[];
  now?: () => number;
  /** Polls of /get-auth-status answered `wait` before `ok` (default 2). */
  oauthPollsBeforeOk?: number;
  /** Extra runtime config merged over the defaults (kebab keys as GET /config shows them, e.g. provider lists). */
  config?: Record<string, unknown>;
  /** Initial `logging-to-file` (default true, so /logs works out of the box). */
  loggingToFile?: boolean;
}

export interface FakeFaults {
  /** Answer every matching HTTP request with this status and `{"error":"fake fault"}`. */
  status?: number;
  /** Delay every matching HTTP request (and, without pathPrefix, every RESP reply) by this many ms. */
  delayMs?: number;
  /** Reset (RST) matching HTTP connections; without pathPrefix also new RESP connections. */
  resetConnections?: boolean;
  /** Limit the fault to HTTP paths starting with this prefix, e.g. `/v0/management/usage-queue`. */
  pathPrefix?: string;
}

export interface ApiCallRequest {
  authIndex: string;
  method: string;
  url: string;
  header: Record<string, string>;
  data: string;
  /** The auth file behind authIndex, if any. */
  authFile?: FakeAuthFile;
}

export interface ApiCallResponse {
  statusCode: number;
  header?: Record<string, string[]>;
  body: string;
}

/** Return undefined to fall back to the default responder. */
export type ApiCallResponder = (
  req: ApiCallRequest,
) => ApiCallResponse | undefined | Promise<ApiCallResponse | undefined>;

export interface FakeCpaStats {
  /** HTTP requests received (all paths). */
  requests: number;
  /** Failed management authentications (HTTP + RESP). */
  authFailures: number;
  /** IPs currently banned. */
  bannedIps: string[];
  /** Records popped from the queue (HTTP + RESP + second consumer). */
  popped: number;
  /** Records accepted by enqueueUsage (queued or delivered). */
  enqueued: number;
  /** Records that went into the pop queue. */
  queued: number;
  /** Records delivered to subscribers (counted once per record). */
  deliveredToSubscribers: number;
  /** Records dropped because usage-statistics-enabled was false. */
  droppedDisabled: number;
  /** Records expired by the retention window. */
  expired: number;
  /** Subscribers disconnected for overflowing their 256-message buffer. */
  subscribersDropped: number;
  respConnections: number;
  respCommands: number;
  httpUsageQueueCalls: number;
}

export interface SecondConsumer {
  stop(): void;
  consumed(): number;
}

export interface FakeCpa {
  readonly url: string;
  readonly port: number;
  /** Per-account quota state answered by /api-call probes (5 h / weekly windows, 429, 401, 403). */
  readonly accounts: FakeQuotaAccounts;
  readonly managementKey: string;
  enqueueUsage(record: object | string): void;
  queueLength(): number;
  subscriberCount(channel?: 'usage' | 'errors'): number;
  publishError(event: object): void;
  notifyRefresh(): void;
  setVersion(v: string | null): void;
  /** Simulates a key change on CPA; '' removes the secret (management 404s, RESP closes, queue dropped). */
  setManagementKey(k: string): void;
  setUsageStatisticsEnabled(b: boolean): void;
  setAllowRemote(b: boolean): void;
  faults: { set(f: FakeFaults): void; clear(): void };
  startSecondConsumer(opts?: { intervalMs?: number; count?: number }): SecondConsumer;
  stats(): FakeCpaStats;
  /**
   * Finish a pending OAuth login (ok, or error when `error` is given).
   * Throws TestkitError `unknown_oauth_state` / `oauth_already_finished` on misuse.
   */
  completeOAuth(state: string, error?: string): void;
  appendLog(line: string): void;
  setApiCallResponder(fn: ApiCallResponder | null): void;
  /** Puts a plugin file in plugins-dir (menus: pages it serves under /v0/resource/plugins/<id>/). */
  installPlugin(p: PluginInfo): void;
  /** Current auth files (name + content), e.g. after uploads via the API. */
  authFiles(): FakeAuthFile[];
  /** Add or replace an auth file (sends {"refresh":true} to usage subscribers, like CPA's watcher). */
  putAuthFile(file: FakeAuthFile): void;
  /** The next finished OAuth login is a re-login of this auth file: fresh tokens, same name and auth_index, quota answers ok again. */
  reloginAs(fileName: string): void;
  close(): Promise<void>;
}
