// The documentation views of the config table: the rows of docs/reference/config.md (npm run docs) and the
// configuration part of `cpamp <command> --help`. Cells are Markdown; the help text is plain.
import { CONFIG_TABLE } from './config-table';
import { settingsOf, type Setting } from './setting';

export interface ConfigKeyDoc {
  /** Where the value lands in `Config`, e.g. `collector.batchSize`. */
  path: string;
  /** Every environment variable name this row covers (aliases and *_FILE variants included). */
  envVars: readonly string[];
  env: string;
  /** config.json key, or '—'. */
  file: string;
  flag: string;
  default: string;
  /** The accepted values (type, range or list). */
  values: string;
  notes: string;
}

const code = (s: string): string => `\`${s}\``;

function defaultText(s: Setting): string {
  if (s.doc.default !== undefined) return s.doc.default;
  if (s.secretFile !== undefined) return `${code(s.secretFile)} if it exists`;
  const d = s.default;
  if (d === null) return 'empty';
  if (Array.isArray(d)) return code(d.join(','));
  return code(String(d));
}

function envText(s: Setting): string {
  if (s.env.length === 0) return '—';
  const names = s.env.map((name) => (s.secretFile !== undefined ? `${code(name)} / ${code('_FILE')}` : code(name)));
  if (s.secretFile !== undefined || names.length === 1) return names.join(', ');
  return `${names[0]} (or ${names.slice(1).join(', ')})`;
}

function fileText(s: Setting): string {
  if (!s.file) return '—';
  const notes = [
    s.secretFile !== undefined ? 'path of a file holding it' : null,
    s.type.fileNote ?? null,
    s.fileIgnoredWhenEnvSet !== undefined ? `ignored when ${code(s.fileIgnoredWhenEnvSet)} is set in env` : null,
  ].filter((n): n is string => n !== null);
  return notes.length ? `${code(s.file)} (${notes.join('; ')})` : code(s.file);
}

function configKeyDocs(): ConfigKeyDoc[] {
  return settingsOf(CONFIG_TABLE).map(({ path, setting: s }) => {
    const flags = [...(s.flag ? [s.flag] : []), ...(s.adjustingFlags ?? [])].map((f) => code(`--${f.name}`));
    return {
      path,
      envVars: s.secretFile !== undefined ? [...s.env, ...s.env.map((name) => `${name}_FILE`)] : s.env,
      env: envText(s),
      file: fileText(s),
      flag: flags.length ? flags.join(', ') : '—',
      default: defaultText(s),
      values: s.type.values,
      notes: [s.doc.notes, s.lockedByEnv ? 'env set = locked in the UI' : undefined].filter(Boolean).join('; '),
    };
  });
}

/** One documented row per setting of the config table, in table order (docs/reference/config.md). */
export const CONFIG_KEYS: readonly ConfigKeyDoc[] = Object.freeze(configKeyDocs());

/** The configuration flags part of `--help`: every flag with its environment variable and default. */
export function configFlagHelp(): string {
  const lines: string[] = [];
  const line = (name: string, arg: string, text: string): void => void lines.push(`  ${`--${name} ${arg}`.padEnd(25)}${text}`);
  for (const { setting: s } of settingsOf(CONFIG_TABLE)) {
    if (s.flag) {
      const shown = s.flag.helpDefault === undefined ? defaultText(s).replaceAll('`', '') : s.flag.helpDefault;
      const source = [s.env[0], shown === null || shown === 'empty' ? undefined : `default ${shown}`].filter(Boolean).join('; ');
      line(s.flag.name, s.flag.arg, `${s.flag.help}${s.type.hint ? `: ${s.type.hint}` : ''}${source ? ` (${source})` : ''}`);
    }
    for (const f of s.adjustingFlags ?? []) line(f.name, f.arg, f.help);
  }
  return [
    'Configuration flags (override env vars, which override the config file):',
    ...lines,
    'See docs/reference/config.md for every environment variable and config.json key.',
  ].join('\n');
}
