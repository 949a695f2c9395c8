import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Lints code as if it lived at a given path, so the architecture rules are proven to bite.
async function restrictedImportErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('package boundaries (docs/design.md)', () => {
  it('sdk-cpa may not import another @cpamp package', async () => {
    const errors = await restrictedImportErrors(
      'packages/sdk-cpa/src/probe.ts',
      "import { openStore } from '@cpamp/store';\nexport const x = openStore;\n",
    );
    expect(errors.join('\n')).toMatch(/@cpamp\/store/);
  });

  it('store may not import the collector', async () => {
    const errors = await restrictedImportErrors(
      'packages/store/src/probe.ts',
      "import { createCollector } from '@cpamp/collector';\nexport const x = createCollector;\n",
    );
    expect(errors).toHaveLength(1);
  });

  it('collector may import sdk-cpa, and only types from store', async () => {
    expect(
      await restrictedImportErrors(
        'packages/collector/src/probe.ts',
        "import { createCpaClient } from '@cpamp/sdk-cpa';\nimport type { Store } from '@cpamp/store';\nexport const x: [typeof createCpaClient, Store | null] = [createCpaClient, null];\n",
      ),
    ).toEqual([]);
    expect(
      await restrictedImportErrors(
        'packages/collector/src/probe.ts',
        "import { openStore } from '@cpamp/store';\nexport const x = openStore;\n",
      ),
    ).toHaveLength(1);
  });

  it('ioredis is confined to the RESP transports', async () => {
    const code = "import Redis from 'ioredis';\nexport const x = Redis;\n";
    expect(await restrictedImportErrors('packages/collector/src/collector.ts', code)).toHaveLength(1);
    expect(await restrictedImportErrors('packages/collector/src/transports/resp-subscribe.ts', code)).toEqual([]);
  });

  it('no package reaches into another package src/', async () => {
    const errors = await restrictedImportErrors(
      'packages/server/src/probe.ts',
      "import { x } from '@cpamp/store/src/open-store';\nexport const y = x;\n",
    );
    expect(errors.join('\n')).toMatch(/public entry/);
  });
});
