// `cpamp migrate-from-plus <usage.sqlite>`: imports Plus / CPA-Manager's database, attached read-only.
import { parseCommandArgs, runImport } from './import-export';
import type { CliIo, CliResult } from './run-cli';

export async function migrateFromPlusCommand(args: readonly string[], io: CliIo): Promise<CliResult> {
  const { positionals, configArgs } = parseCommandArgs(args, {});
  if (positionals.length !== 1) {
    io.err.write("cpamp: migrate-from-plus needs the path of Plus's usage.sqlite. Run `cpamp migrate-from-plus --help`.\n");
    return { code: 2 };
  }
  return { code: await runImport(io, io.loadConfig(configArgs), positionals[0] as string, 'sqlite') };
}
