// Every config.yaml key of CPA v7.2.140 that the Settings tab edits, grouped as CPA's config.example.yaml
// groups them. docs/reference/cpa-settings.md lists the same keys; test/cpa-settings-walk.test.ts checks
// both against CPA's example config, so a key CPA adds shows up as missing.

/** How a key is edited: a switch, a number, a line of text, a choice, one string per line, or a YAML block. */
export type FieldKind = 'bool' | 'int' | 'text' | 'secret' | 'enum' | 'lines' | 'block';

export type GroupId =
  | 'server'
  | 'management'
  | 'access'
  | 'logging'
  | 'network'
  | 'retry'
  | 'routing'
  | 'claude'
  | 'codex'
  | 'media'
  | 'gemini'
  | 'plugins'
  | 'oauth'
  | 'advanced';

export const GROUPS: readonly GroupId[] = [
  'access',
  'server',
  'management',
  'logging',
  'network',
  'retry',
  'routing',
  'claude',
  'codex',
  'media',
  'gemini',
  'oauth',
  'plugins',
  'advanced',
];

export interface SettingField {
  /** Dotted path in config.yaml. */
  key: string;
  kind: FieldKind;
  group: GroupId;
  /** CPA's per-key management route (PUT {"value": v}); keys without one are written through PUT /config.yaml. */
  endpoint?: string;
  options?: readonly string[];
  /** CPA's default when the key is absent from config.yaml. */
  def?: unknown;
  /** CPA restarts its listener or needs a restart to apply this key. */
  restart?: boolean;
}

const f = (key: string, kind: FieldKind, group: GroupId, more: Partial<SettingField> = {}): SettingField => ({
  key,
  kind,
  group,
  ...more,
});

export const SETTINGS: readonly SettingField[] = [
  f('api-keys', 'lines', 'access', { endpoint: '/api-keys', def: [] }),
  f('ws-auth', 'bool', 'access', { endpoint: '/ws-auth', def: false }),
  f('auth-dir', 'text', 'access', { def: '~/.cli-proxy-api', restart: true }),

  f('host', 'text', 'server', { def: '', restart: true }),
  f('port', 'int', 'server', { def: 8317, restart: true }),
  f('tls.enable', 'bool', 'server', { def: false, restart: true }),
  f('tls.cert', 'text', 'server', { def: '', restart: true }),
  f('tls.key', 'text', 'server', { def: '', restart: true }),
  f('pprof.enable', 'bool', 'server', { def: false }),
  f('pprof.addr', 'text', 'server', { def: '127.0.0.1:8316' }),

  f('remote-management.allow-remote', 'bool', 'management', { def: false }),
  f('remote-management.secret-key', 'secret', 'management', { def: '' }),
  f('remote-management.disable-control-panel', 'bool', 'management', { def: false }),
  f('remote-management.disable-auto-update-panel', 'bool', 'management', { def: false }),
  f('remote-management.panel-github-repository', 'text', 'management', {
    def: 'https://github.com/router-for-me/Cli-Proxy-API-Management-Center',
  }),

  f('debug', 'bool', 'logging', { endpoint: '/debug', def: false }),
  f('request-log', 'bool', 'logging', { endpoint: '/request-log', def: false }),
  f('logging-to-file', 'bool', 'logging', { endpoint: '/logging-to-file', def: false }),
  f('logs-max-total-size-mb', 'int', 'logging', { endpoint: '/logs-max-total-size-mb', def: 0 }),
  f('error-logs-max-files', 'int', 'logging', { endpoint: '/error-logs-max-files', def: 10 }),
  f('usage-statistics-enabled', 'bool', 'logging', { endpoint: '/usage-statistics-enabled', def: false }),
  f('redis-usage-queue-retention-seconds', 'int', 'logging', { def: 60 }),
  f('commercial-mode', 'bool', 'logging', { def: false }),

  f('proxy-url', 'text', 'network', { endpoint: '/proxy-url', def: '' }),
  f('passthrough-headers', 'bool', 'network', { def: false }),
  f('nonstream-keepalive-interval', 'int', 'network', { def: 0 }),
  f('streaming.keepalive-seconds', 'int', 'network', { def: 0 }),
  f('streaming.bootstrap-retries', 'int', 'network', { def: 0 }),

  f('request-retry', 'int', 'retry', { endpoint: '/request-retry', def: 3 }),
  f('max-retry-credentials', 'int', 'retry', { endpoint: '/max-retry-credentials', def: 0 }),
  f('max-retry-interval', 'int', 'retry', { endpoint: '/max-retry-interval', def: 30 }),
  f('disable-cooling', 'bool', 'retry', { def: false }),
  f('save-cooldown-status', 'bool', 'retry', { def: false }),
  f('transient-error-cooldown-seconds', 'int', 'retry', { def: 0 }),
  f('quota-exceeded.switch-project', 'bool', 'retry', { endpoint: '/quota-exceeded/switch-project', def: true }),
  f('quota-exceeded.switch-preview-model', 'bool', 'retry', {
    endpoint: '/quota-exceeded/switch-preview-model',
    def: true,
  }),
  f('quota-exceeded.antigravity-credits', 'bool', 'retry', { def: true }),
  f('auth-auto-refresh-workers', 'int', 'retry', { def: 16 }),

  f('routing.strategy', 'enum', 'routing', {
    endpoint: '/routing/strategy',
    options: ['round-robin', 'weighted-round-robin', 'fill-first'],
    def: 'round-robin',
  }),
  f('routing.session-affinity', 'bool', 'routing', { def: false }),
  f('routing.session-affinity-ttl', 'text', 'routing', { def: '1h' }),
  f('force-model-prefix', 'bool', 'routing', { endpoint: '/force-model-prefix', def: false }),

  f('disable-claude-cloak-mode', 'bool', 'claude', { def: false }),
  f('claude-code.disable-cloaking-model-list', 'bool', 'claude', { def: false }),
  f('claude-header-defaults.user-agent', 'text', 'claude', { def: '' }),
  f('claude-header-defaults.package-version', 'text', 'claude', { def: '' }),
  f('claude-header-defaults.runtime-version', 'text', 'claude', { def: '' }),
  f('claude-header-defaults.os', 'text', 'claude', { def: '' }),
  f('claude-header-defaults.arch', 'text', 'claude', { def: '' }),
  f('claude-header-defaults.timeout', 'text', 'claude', { def: '' }),
  f('claude-header-defaults.timezone', 'text', 'claude', { def: '' }),
  f('claude-header-defaults.stabilize-device-profile', 'bool', 'claude', { def: false }),

  f('codex.identity-confuse', 'bool', 'codex', { def: false }),
  f('codex.disable-codex-cloaking', 'bool', 'codex', { def: false }),
  f('codex.stream-bootstrap-buffering', 'bool', 'codex', { def: false }),
  f('codex.optimize-multi-agent-v2', 'bool', 'codex', { def: false }),
  f('codex.live-media-relay.enabled', 'bool', 'codex', { def: false }),
  f('codex.live-media-relay.max-sessions', 'int', 'codex', { def: 32 }),
  f('codex.live-media-relay.disable-private-remote-ips', 'bool', 'codex', { def: false }),
  f('codex.live-media-relay.public-ip', 'text', 'codex', { def: '' }),
  f('codex.live-media-relay.udp-port-min', 'int', 'codex', { def: 0 }),
  f('codex.live-media-relay.udp-port-max', 'int', 'codex', { def: 0 }),
  f('codex.live-media-relay.ice-servers', 'block', 'codex', { def: [] }),
  f('codex-header-defaults.user-agent', 'text', 'codex', { def: '' }),
  f('codex-header-defaults.beta-features', 'text', 'codex', { def: '' }),

  f('disable-image-generation', 'enum', 'media', { options: ['false', 'true', 'chat', 'passthrough'], def: false }),
  f('gpt-image-2-base-model', 'text', 'media', { def: '' }),
  f('video-result-auth-cache-ttl', 'text', 'media', { def: '3h' }),
  f('xai.inject-x-search', 'bool', 'media', { def: false }),

  f('antigravity.sensitive-words', 'lines', 'gemini', { def: [] }),
  f('antigravity-signature-cache-enabled', 'bool', 'gemini', { def: true }),
  f('antigravity-signature-bypass-strict', 'bool', 'gemini', { def: false }),

  f('oauth-model-alias', 'block', 'oauth', { def: {} }),
  f('oauth-excluded-models', 'block', 'oauth', { def: {} }),
  f('oauth-request-scoped-errors', 'block', 'oauth', { def: {} }),

  f('plugins.enabled', 'bool', 'plugins', { def: false }),
  f('plugins.dir', 'text', 'plugins', { def: 'plugins' }),
  f('plugins.store-sources', 'lines', 'plugins', { def: [] }),
  f('plugins.store-auth', 'block', 'plugins', { def: [] }),
  f('plugins.configs', 'block', 'plugins', { def: {} }),

  f('payload', 'block', 'advanced', { def: {} }),
  f('credential-concurrency', 'block', 'advanced', { def: {} }),
  f('credential-in-flight', 'block', 'advanced', { def: {} }),
];

export const fieldByKey = (key: string): SettingField | undefined => SETTINGS.find((s) => s.key === key);
