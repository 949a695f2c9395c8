import { describe, expect, it } from 'vitest';
import { applyToYaml, changedKeys, parseConfig, planSave, readValues, validate } from './settings-model';

const YAML = `# CPA config
port: 8317
api-keys:
  - "k1"
quota-exceeded:
  switch-project: true # keep this comment
routing:
  strategy: fill-first
`;

describe('settings model', () => {
  it('reads every key, with CPA defaults for absent ones', () => {
    const v = readValues(parseConfig(YAML));
    expect(v['port']).toBe('8317');
    expect(v['api-keys']).toBe('k1');
    expect(v['routing.strategy']).toBe('fill-first');
    expect(v['max-retry-interval']).toBe('30');
    expect(v['quota-exceeded.switch-preview-model']).toBe(true);
    expect(v['payload']).toBe('');
  });

  it('plans per-key routes where CPA has them and YAML for the rest, keeping comments', () => {
    const loaded = readValues(parseConfig(YAML));
    const draft = { ...loaded, 'api-keys': 'k1\nk2\n', 'proxy-url': '', 'ws-auth': true, 'transient-error-cooldown-seconds': '-1', 'codex.live-media-relay.max-sessions': '8', payload: 'default:\n  - params: {a: 1}\n' };
    const keys = changedKeys(loaded, draft);
    expect(keys.sort()).toEqual(['api-keys', 'codex.live-media-relay.max-sessions', 'payload', 'transient-error-cooldown-seconds', 'ws-auth']);
    const plan = planSave(draft, keys);
    expect(plan.endpoints).toEqual([
      { key: 'api-keys', method: 'PUT', path: '/api-keys', body: ['k1', 'k2'] },
      { key: 'ws-auth', method: 'PUT', path: '/ws-auth', body: { value: true } },
    ]);
    const out = applyToYaml(YAML, draft, plan.yamlKeys);
    expect(out).toContain('# keep this comment');
    const v = readValues(parseConfig(out));
    expect(v['transient-error-cooldown-seconds']).toBe('-1');
    expect(v['codex.live-media-relay.max-sessions']).toBe('8');
    expect(v['payload']).toContain('a: 1');
  });

  it('changes only the lines of the keys it writes', () => {
    const loaded = readValues(parseConfig(YAML));
    const draft = { ...loaded, 'quota-exceeded.switch-project': false, 'api-keys': 'k1\nk2', 'streaming.keepalive-seconds': '15', payload: '' };
    const out = applyToYaml(YAML, draft, ['quota-exceeded.switch-project', 'api-keys', 'streaming.keepalive-seconds', 'payload']);
    expect(out).toBe(
      YAML.replace('switch-project: true', 'switch-project: false').replace('  - "k1"\n', '  - k1\n  - k2\n') +
        'streaming:\n  keepalive-seconds: 15\n',
    );
  });

  it('writes under a parent left empty in config.yaml', () => {
    const text = 'streaming:\n# later\nport: 1\n';
    const out = applyToYaml(text, { 'streaming.keepalive-seconds': '15' }, ['streaming.keepalive-seconds']);
    expect(readValues(parseConfig(out))['streaming.keepalive-seconds']).toBe('15');
  });

  it('rejects a non-integer and broken YAML blocks', () => {
    const draft = { 'request-retry': '2.5', payload: 'a: [' };
    expect(validate(draft, ['request-retry', 'payload'])).toEqual({ 'request-retry': 'int', payload: 'yaml' });
  });
});
