import { readFileSync } from 'node:fs';
import { startFakeCpa } from '@cpamp/testkit';
const files = [1, 2, 3].map((i) => ({ name: `codex-u${i}@pool.test-plus.json`, authIndex: `a${i}`, content: { type: 'codex', email: `u${i}@pool.test`, access_token: `tok-${i}`, account_id: `acc-${i}` } }));
const fake = await startFakeCpa({ authFiles: files });
fake.accounts.setQuota('a1', { primary: { usedPercent: 30 }, secondary: { usedPercent: 10 }, plan: 'plus' });
fake.accounts.exhaust('a2', { resetInSeconds: 3600, window: 'secondary' });
fake.accounts.expire('a3');
process.stdout.write(JSON.stringify({ url: fake.url, key: fake.managementKey }) + '\n');
const base = JSON.parse(readFileSync('/tmp/plusrun/events.jsonl', 'utf8').split('\n')[0]!);
const rec = (i: number, status: number, body: string) => ({ ...base, request_id: `f00${i}beef`, timestamp: new Date().toISOString(), auth_index: `a${i}`, source: `u${i}@pool.test`, provider: 'codex', executor_type: 'CodexExecutor', model: 'gpt-5-codex', alias: '', auth_type: 'oauth', failed: true, fail: { status_code: status, body }, tokens: { input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cached_tokens: 0, total_tokens: 0 } });
setTimeout(() => {
  for (let n = 0; n < 3; n++) {
    fake.enqueueUsage(rec(2, 429, JSON.stringify({ error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'plus', resets_in_seconds: 3600 } })));
    fake.enqueueUsage(rec(3, 401, JSON.stringify({ error: { message: 'Provided authentication token is expired. Please try signing in again.', type: 'invalid_request_error', code: 'token_expired' } })));
  }
  process.stdout.write('enqueued\n');
}, 8000);
setInterval(() => {}, 1 << 30);
