import { closest } from '../model/suggest.js';
import { UsageError } from './io.js';

export { closest };

/**
 * One declarative description per command gives both its parser and its `--help`, so the two cannot
 * drift. Node's parseArgs is not used: its errors are long, mention internals ("positional argument
 * starting with a '-'") and cannot suggest the option the user meant.
 */
export interface OptionSpec {
  name: string;
  short?: string;
  /** Placeholder of the value (`<fmt>`); options without one are switches. */
  value?: string;
  multiple?: boolean;
  description: string;
}

export interface CommandSpec {
  /** As typed after `meshguard`, e.g. `check` or `policy build`. */
  name: string;
  usage: string;
  summary: string;
  options: readonly OptionSpec[];
  /** Free text after the options (exit codes, examples). */
  epilog?: string;
}

export const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', description: 'show this help' };

export interface ParsedArgs {
  /** Switches are `true`; single-valued options the last value given; `multiple` ones every value. */
  values: Record<string, string | string[] | true | undefined>;
  positionals: string[];
}

export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const byLong = new Map(spec.options.map((o) => [o.name, o]));
  const byShort = new Map(spec.options.filter((o) => o.short).map((o) => [o.short!, o]));
  const values: ParsedArgs['values'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const eq = arg.indexOf('=');
    const written = long && eq > 0 ? arg.slice(0, eq) : long ? arg : arg.slice(0, 2);
    const inline = long && eq > 0 ? arg.slice(eq + 1) : !long && arg.length > 2 ? arg.slice(2).replace(/^=/, '') : undefined;
    const option = long ? byLong.get(written.slice(2)) : byShort.get(written.slice(1));
    if (!option) throw new UsageError(unknownOptionMessage(written, spec));
    let value: string | true;
    if (option.value === undefined) {
      if (inline !== undefined) throw new UsageError(`option --${option.name} takes no value, got '${arg}'`);
      value = true;
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) throw new UsageError(`option --${option.name} needs a value ${option.value}`);
      value = next;
      i++;
    }
    if (option.multiple) values[option.name] = [...((values[option.name] as string[] | undefined) ?? []), value as string];
    else values[option.name] = value;
  }
  return { values, positionals };
}

function unknownOptionMessage(written: string, spec: CommandSpec): string {
  // A one-letter option has no typo to correct: any other letter would be a guess.
  const guess = written.startsWith('--') ? closest(written, spec.options.map((o) => `--${o.name}`)) : undefined;
  const hint = guess ? ` (did you mean ${guess}?)` : ` (see 'meshguard help ${spec.name}')`;
  return `unknown option ${written}${hint}`;
}

export function stringOption(values: ParsedArgs['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(values: ParsedArgs['values'], name: string): string[] | undefined {
  const value = values[name];
  return Array.isArray(value) ? value : undefined;
}

/** `--help` text: usage, summary, then the options with their descriptions aligned in one column. */
export function formatHelp(spec: CommandSpec): string {
  const labels = spec.options.map((o) => `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`);
  const labelWidth = Math.max(...labels.map((l) => l.length)) + 2;
  const lines = [`Usage: ${spec.usage}`, '', spec.summary, '', 'Options:'];
  spec.options.forEach((option, i) => {
    const [first, ...rest] = option.description.split('\n');
    lines.push(`  ${labels[i]!.padEnd(labelWidth)}${first}`);
    for (const line of rest) lines.push(`  ${' '.repeat(labelWidth)}${line}`);
  });
  if (spec.epilog) lines.push('', spec.epilog);
  return `${lines.join('\n')}\n`;
}
