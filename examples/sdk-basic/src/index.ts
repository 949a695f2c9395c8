// List CPA's auth files and toggle one (disable, then re-enable) with @cpamp/sdk-cpa.
// With CPA_URL and CPA_MANAGEMENT_KEY set it talks to that CPA; otherwise it starts the fake CPA from @cpamp/testkit.
import { createCpaClient, isCpaError, type CpaAuthFile } from '@cpamp/sdk-cpa';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';

const cpaUrl = process.env.CPA_URL;
const cpaKey = process.env.CPA_MANAGEMENT_KEY;

let fake: FakeCpa | undefined;
if (!cpaUrl || !cpaKey) {
  fake = await startFakeCpa({
    authFiles: [
      {
        name: 'codex-alice@example.com.json',
        content: { type: 'codex', email: 'alice@example.com', access_token: 'fake' },
      },
      {
        name: 'claude-bob@example.com.json',
        content: { type: 'claude', email: 'bob@example.com', access_token: 'fake' },
      },
    ],
  });
  console.log(`CPA_URL / CPA_MANAGEMENT_KEY not set: started the fake CPA at ${fake.url}`);
}

const cpa = createCpaClient({
  baseUrl: cpaUrl ?? fake!.url,
  managementKey: cpaKey ?? fake!.managementKey,
  timeoutMs: 10_000,
});

function show(files: CpaAuthFile[]): void {
  for (const f of files) {
    const state = f.disabled ? 'disabled' : (f.status ?? 'unknown');
    console.log(
      `  ${f.name.padEnd(40)} ${(f.provider ?? '?').padEnd(12)} ${state.padEnd(9)} ${f.email ?? ''}`,
    );
  }
}

try {
  const { version } = await cpa.getServerVersion();
  console.log(`Connected to CPA ${version ?? '(version unknown)'} at ${cpa.baseUrl}`);

  const files = await cpa.authFiles.list();
  console.log(`${files.length} auth file(s):`);
  show(files);

  const target = files.find((f) => !f.disabled);
  if (!target) {
    console.log('No enabled auth file to toggle; nothing changed.');
  } else {
    await cpa.authFiles.setDisabled(target.name, true);
    const [off] = await cpa.authFiles.list({ name: target.name });
    console.log(`Disabled ${target.name}: disabled=${String(off?.disabled)}`);

    await cpa.authFiles.setDisabled(target.name, false);
    const [on] = await cpa.authFiles.list({ name: target.name });
    console.log(`Re-enabled ${target.name}: disabled=${String(on?.disabled)}`);
    if (off?.disabled !== true || on?.disabled !== false) throw new Error('the toggle did not take effect');
  }
  console.log('Done.');
} catch (error) {
  // CpaError messages say what failed and what to check (key, allow-remote, URL, ...).
  console.error(isCpaError(error) ? `CPA error (${error.code}): ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await cpa.close();
  await fake?.close();
}
