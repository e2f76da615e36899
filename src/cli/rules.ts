import { parseArgs } from 'node:util';
import { defaultRules, knownRuleMetas } from '../engine/check.js';
import type { RuleMeta } from '../model/types.js';
import { EXIT_OK, UsageError, type CommandOutcome } from './io.js';

export const RULES_HELP = `Usage: meshguard rules [--format text|json|markdown]

List every rule with its id, default severity and title.`;

export function runRulesCommand(argv: string[]): CommandOutcome {
  let values: { format?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { format: { type: 'string', short: 'f' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { exitCode: EXIT_OK, stdout: `${RULES_HELP}\n`, stderr: '' };
  const metas = knownRuleMetas(defaultRules()).sort((a, b) => a.id.localeCompare(b.id));
  switch (values.format ?? 'text') {
    case 'text':
      return { exitCode: EXIT_OK, stdout: formatText(metas), stderr: '' };
    case 'json':
      return { exitCode: EXIT_OK, stdout: `${JSON.stringify(metas.map(publicMeta), null, 2)}\n`, stderr: '' };
    case 'markdown':
      return { exitCode: EXIT_OK, stdout: formatMarkdown(metas), stderr: '' };
    default:
      throw new UsageError(`--format must be text, json or markdown, got '${values.format}'`);
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
