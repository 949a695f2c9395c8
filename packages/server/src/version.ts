import { createRequire } from 'node:module';

/** This package's version, read from package.json (works from src/ and from the bundled dist/). */
export function packageVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require('../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
