// Row shapes of the alerts tables as the repository returns them (camelCase, epoch ms, parsed JSON).

export type AlertSeverityLevel = 'info' | 'warning' | 'critical';
export type AlertParams = Record<string, number | string | boolean>;

export interface AlertRuleRecord {
  id: number;
  name: string;
  /** An alert signal kind (the server validates it). */
  kind: string;
  enabled: boolean;
  severity: AlertSeverityLevel;
  params: AlertParams;
  channelIds: number[];
  quietMinutes: number;
  createdAtMs: number;
  updatedAtMs: number;
}

export type AlertRuleInput = Pick<
  AlertRuleRecord,
  'name' | 'kind' | 'enabled' | 'severity' | 'params' | 'channelIds' | 'quietMinutes'
>;

export type AlertChannelType = 'webhook' | 'telegram' | 'sse';

/** Non-secret channel settings; the secret (HMAC secret or bot token) is stored apart, encrypted. */
export interface AlertChannelConfig {
  url?: string;
  chatId?: string;
  apiBaseUrl?: string;
}

export interface AlertChannelRecord {
  id: number;
  name: string;
  type: AlertChannelType;
  enabled: boolean;
  config: AlertChannelConfig;
  /** Whether a secret is stored; the secret itself only comes from channelSecret(). */
  secretSet: boolean;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface AlertChannelInput {
  name: string;
  type: AlertChannelType;
  enabled: boolean;
  config: AlertChannelConfig;
  /** Plaintext secret to store encrypted; null clears it; undefined keeps the stored one (updates). */
  secret?: string | null;
}

export type AlertIncidentState = 'open' | 'resolved';

export interface AlertIncidentRecord {
  id: number;
  ruleId: number;
  kind: string;
  subject: string;
  severity: string;
  state: AlertIncidentState;
  openedAtMs: number;
  lastSeenAtMs: number;
  resolvedAtMs: number | null;
  count: number;
  message: string;
  /** When a notification last went out for this incident (quiet-period bookkeeping). */
  lastNotifiedAtMs: number | null;
}

export type AlertDeliveryState = 'sent' | 'failed' | 'retrying';
export type AlertDeliveryEvent = 'opened' | 'repeated' | 'resolved' | 'test';

export interface AlertDeliveryRecord {
  id: number;
  incidentId: number | null;
  channelId: number;
  channelName: string;
  atMs: number;
  state: AlertDeliveryState;
  attempts: number;
  lastError: string | null;
  nextAttemptAtMs: number | null;
  test: boolean;
  event: AlertDeliveryEvent;
  /** What to send (JSON), kept so retries survive a restart. */
  payload: string;
}

export interface AlertDeliveryInput {
  incidentId: number | null;
  channelId: number;
  channelName: string;
  state: AlertDeliveryState;
  attempts: number;
  lastError: string | null;
  nextAttemptAtMs: number | null;
  test: boolean;
  event: AlertDeliveryEvent;
  payload: string;
}

export type AlertDeliveryUpdate = Pick<AlertDeliveryRecord, 'state' | 'attempts' | 'lastError' | 'nextAttemptAtMs'>;
