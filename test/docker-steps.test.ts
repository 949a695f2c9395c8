// examples/docker/Dockerfile stays within what scripts/check-docker-steps.mjs emulates (CI runs that script
// on Node 22 without a Docker engine); this fast check fails first when the Dockerfile grows a new step.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { parseDockerfile, planStages } from '../scripts/check-docker-steps.mjs';

interface Stage {
  image: string;
  name: string | null;
  steps: { op: string; args: string }[];
}
const text = readFileSync(new URL('../examples/docker/Dockerfile', import.meta.url), 'utf8');

describe('Dockerfile steps', () => {
  it('has only steps the docker-steps script emulates, on the supported Node', () => {
    const stages = parseDockerfile(text) as Stage[];
    const { build, runtime } = planStages(stages) as { build: Stage; runtime: Stage };
    for (const stage of stages) expect(stage.image).toMatch(/^node:22-bookworm-slim$/);
    expect(build.steps.filter((s) => s.op === 'RUN').map((s) => s.args)).toContainEqual(
      expect.stringMatching(/npm ci .*npm run build .*npm prune --omit=dev/),
    );
    expect(runtime.steps.find((s) => s.op === 'ENV')?.args).toContain('CPAMP_DOCKER=1');
    expect(runtime.steps.find((s) => s.op === 'RUN' && s.args.startsWith('ln -s'))?.args).toContain(
      'packages/server/bin/cpamp.js',
    );
  });

  it('refuses a step it cannot emulate', () => {
    const grown = text.replace('USER cpamp', 'RUN curl -fsSL https://example.invalid/x | sh\nUSER cpamp');
    expect(() => planStages(parseDockerfile(grown))).toThrow(/no emulation for "RUN curl/);
  });
});
