import { knownRuleMetas } from '../engine/check.js';
import { defaultRules } from '../policy/index.js';
import type { RuleMeta } from '../model/types.js';
import { compareStrings } from '../report/common.js';
import { HELP_OPTION, formatHelp, parseCommandArgs, stringOption, type CommandSpec } from './args.js';
import { EXIT_OK, UsageError, type CommandOutcome } from './io.js';

export const RULES_SPEC: CommandSpec = {
  name: 'rules',
  usage: 'meshguard rules [--format text|json|markdown]',
  summary: 'List every rule with its id, default severity and title; each has a page in docs/rules/<id>.md.',
  options: [{ name: 'format', short: 'f', value: '<fmt>', description: 'text (default), json (with descriptions, help links, tags) or markdown (a table)' }, HELP_OPTION],
};

export function runRulesCommand(argv: string[]): CommandOutcome {
  const { values, positionals } = parseCommandArgs(RULES_SPEC, argv);
  if (values.help) return { exitCode: EXIT_OK, stdout: formatHelp(RULES_SPEC), stderr: '' };
  if (positionals.length > 0) throw new UsageError(`rules takes no arguments, got '${positionals[0]}'`);
  const format = stringOption(values, 'format');
  const metas = knownRuleMetas(defaultRules()).sort((a, b) => compareStrings(a.id, b.id));
  switch (format ?? 'text') {
    case 'text':
      return { exitCode: EXIT_OK, stdout: formatText(metas), stderr: '' };
    case 'json':
      return { exitCode: EXIT_OK, stdout: `${JSON.stringify(metas.map(publicMeta), null, 2)}\n`, stderr: '' };
    case 'markdown':
      return { exitCode: EXIT_OK, stdout: formatMarkdown(metas), stderr: '' };
    default:
      throw new UsageError(`--format must be text, json or markdown, got '${format}'`);
  }
}

function publicMeta(meta: RuleMeta) {
  const { id, title, severity, description, helpUri, tags, appliesTo } = meta;
  return { id, title, severity, description, helpUri, tags, appliesTo };
}

function formatText(metas: readonly RuleMeta[]): string {
  const idWidth = Math.max(...metas.map((m) => m.id.length));
  return metas.map((m) => `${m.id.padEnd(idWidth)}  ${m.severity.padEnd(7)}  ${m.title}`).join('\n') + '\n';
}

function formatMarkdown(metas: readonly RuleMeta[]): string {
  const escape = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = metas.map((m) => `| [\`${m.id}\`](${m.helpUri}) | ${m.severity} | ${escape(m.title)} | ${m.tags.join(', ')} |`);
  return ['| Rule | Severity | Title | Tags |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}
