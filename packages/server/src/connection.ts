// Where the server's CPA connection comes from: env (CPA_UPSTREAM_URL + CPA_MANAGEMENT_KEY, never written
// to disk), else the store's settings (management key encrypted by the store with data.key), else none.
import type { CollectorMode } from '@cpamp/collector';
import type { Config } from './config';
import { ServerError } from './errors';

/** What the server needs from a settings store; @cpamp/store's SettingsRepository fits structurally. */
export interface SettingsPort {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  /** Decrypted CPA management key, or undefined. */
  getManagementKey(): string | undefined;
  /** Stores the key encrypted (AES-256-GCM under data.key). */
  setManagementKey(key: string): void;
  clearManagementKey(): void;
}

export interface CollectorSettings {
  enabled: boolean;
  mode: CollectorMode;
  queue: string;
  popSide: 'right' | 'left';
  batchSize: number;
  pollIntervalMs: number;
  tlsSkipVerify: boolean;
}

export interface CpaConnection {
  baseUrl: string;
  managementKey: string;
  source: 'env' | 'db';
}

/** Persisted under this settings key; the management key itself goes through setManagementKey. */
export const MANAGER_CONFIG_KEY = 'manager_config_v1';

interface StoredManagerConfig {
  cpaBaseUrl: string | null;
  collector: Partial<CollectorSettings>;
  updatedAtMs: number;
}

export interface ConnectionService {
  readonly envManaged: boolean;
  /** Current connection, or null when setup is still needed. */
  current(): CpaConnection | null;
  isConfigured(): boolean;
  collectorSettings(): CollectorSettings;
  updatedAtMs(): number;
  save(input: { baseUrl: string; managementKey: string | null; collector?: Partial<CollectorSettings> }, now: number): void;
  /** Fires after save() (the collector plugin restarts on it). */
  onChange(listener: () => void): () => void;
}

export function createConnectionService(config: Config, settings: SettingsPort): ConnectionService {
  const envManaged = config.cpaUpstreamUrl !== null && config.cpaManagementKey !== null;
  const listeners = new Set<() => void>();
  const stored = (): StoredManagerConfig | undefined => settings.get<StoredManagerConfig>(MANAGER_CONFIG_KEY);

  const defaults = (): CollectorSettings => ({
    enabled: true,
    mode: config.collector.mode,
    queue: config.collector.queue,
    popSide: config.collector.popSide,
    batchSize: config.collector.batchSize,
    pollIntervalMs: config.collector.pollIntervalMs,
    tlsSkipVerify: config.collector.tlsSkipVerify,
  });

  const service: ConnectionService = {
    envManaged,
    current() {
      if (envManaged) return { baseUrl: config.cpaUpstreamUrl as string, managementKey: config.cpaManagementKey as string, source: 'env' };
      const saved = stored();
      if (!saved?.cpaBaseUrl) return null;
      const key = settings.getManagementKey();
      if (!key) return null;
      return { baseUrl: saved.cpaBaseUrl, managementKey: key, source: 'db' };
    },
    isConfigured() {
      return service.current() !== null;
    },
    collectorSettings() {
      // Saved collector fields override start-up values, except for an env-managed deployment (as Plus).
      if (envManaged) return defaults();
      return { ...defaults(), ...(stored()?.collector ?? {}) };
    },
    updatedAtMs() {
      return stored()?.updatedAtMs ?? 0;
    },
    save(input, now) {
      if (envManaged) {
        throw new ServerError('connection_env_managed', 'The CPA connection is set by CPA_UPSTREAM_URL and CPA_MANAGEMENT_KEY; change those variables instead.');
      }
      const previous = stored();
      const next: StoredManagerConfig = {
        cpaBaseUrl: input.baseUrl,
        collector: { ...(previous?.collector ?? {}), ...(input.collector ?? {}) },
        updatedAtMs: now,
      };
      if (input.managementKey !== null) settings.setManagementKey(input.managementKey);
      settings.set(MANAGER_CONFIG_KEY, next);
      for (const listener of listeners) listener();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return service;
}

/**
 * Settings kept in memory only: used when the server runs without a store. Nothing survives a restart,
 * and the management key never touches the disk.
 */
export function createMemorySettings(): SettingsPort {
  const values = new Map<string, string>();
  let managementKey: string | undefined;
  return {
    get<T>(key: string) {
      const v = values.get(key);
      return v === undefined ? undefined : (JSON.parse(v) as T);
    },
    set(key, value) {
      values.set(key, JSON.stringify(value));
    },
    getManagementKey: () => managementKey,
    setManagementKey(key) {
      managementKey = key;
    },
    clearManagementKey() {
      managementKey = undefined;
    },
  };
}
