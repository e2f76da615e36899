import { existsSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_VERSION } from '../assets.js';
import { ConfigError } from '../config/load.js';
import { InputError } from '../load/discover.js';
import { GitError } from '../load/git.js';
import { PolicyError } from '../policy/index.js';
import { closest, formatHelp, type CommandSpec } from './args.js';
import { CHECK_SPEC, runCheckCommand } from './check.js';
import { INIT_SPEC, runInitCommand } from './init.js';
import { policyHelp, runPolicyCommand } from './policy.js';
import { EXIT_OK, EXIT_UNUSABLE, UsageError, type CliEnvironment, type CommandOutcome } from './io.js';
import { RULES_SPEC, runRulesCommand } from './rules.js';
import { SERVE_SPEC, runServeCommand } from './serve.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
}

const HELP = `meshguard ${PACKAGE_VERSION} - service-mesh guardrails for Kubernetes, Istio and GitLab CI

Usage: meshguard <command> [options]
       meshguard [paths...] [options]          same as 'meshguard check [paths...]'

Commands:
  check [paths...]   lint manifests and GitLab CI files (the default command)
  rules              list the rules
  init               write a commented starter .meshguard.yaml
  serve              run the validating admission webhook (HTTPS)
  policy             build, eval, test and verify Rego policies
  help [command]     show help for a command

Options: -h, --help (this help), -v, --version.
Run 'meshguard help <command>' or 'meshguard <command> --help' for a command's options.
`;

const COMMAND_SPECS: Record<string, CommandSpec> = { check: CHECK_SPEC, rules: RULES_SPEC, init: INIT_SPEC, serve: SERVE_SPEC };
const COMMANDS = [...Object.keys(COMMAND_SPECS), 'policy', 'help'];

function helpFor(topic: readonly string[]): string {
  const [command, sub] = topic;
  if (command === undefined) return HELP;
  if (command === 'policy') return policyHelp(sub);
  const spec = COMMAND_SPECS[command];
  if (!spec) throw new UsageError(unknownCommand(command));
  return formatHelp(spec);
}

function unknownCommand(command: string): string {
  const guess = closest(command, COMMANDS);
  return `unknown command '${command}'${guess ? ` (did you mean ${guess}?)` : " (see 'meshguard help'; a path to check must exist)"}`;
}

function processEnvironment(): CliEnvironment {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: { isTTY: Boolean(process.stdout.isTTY), columns: process.stdout.columns },
    stderr: { isTTY: Boolean(process.stderr.isTTY), columns: process.stderr.columns, write: (text) => process.stderr.write(text) },
    readStdin,
  };
}

export async function runCli(argv: string[], environment: CliEnvironment = processEnvironment()): Promise<CommandOutcome> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
        return { exitCode: EXIT_OK, stdout: HELP, stderr: '' };
      case 'help':
        return { exitCode: EXIT_OK, stdout: helpFor(rest), stderr: '' };
      case '-v':
      case '--version':
        return { exitCode: EXIT_OK, stdout: `${PACKAGE_VERSION}\n`, stderr: '' };
      case 'check':
        return await runCheckCommand(rest, environment);
      case 'rules':
        return runRulesCommand(rest);
      case 'serve':
        return await runServeCommand(rest, environment.cwd);
      case 'policy':
        return await runPolicyCommand(rest, environment.cwd);
      case 'init':
        return await runInitCommand(rest, environment.cwd);
      default:
        // `meshguard k8s/` and `meshguard --format json .` mean check, as the help says; a word that
        // is neither a command nor an existing path is most likely a mistyped command.
        if (command.startsWith('-') || existsSync(path.resolve(environment.cwd, command))) return await runCheckCommand(argv, environment);
        throw new UsageError(unknownCommand(command));
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof InputError || error instanceof GitError || error instanceof PolicyError) {
      return { exitCode: EXIT_UNUSABLE, stdout: '', stderr: `meshguard: ${oneLine(error.message)}\n` };
    }
    const detail = environment.env.MESHGUARD_DEBUG && error instanceof Error ? `\n${error.stack}` : '';
    return {
      exitCode: EXIT_UNUSABLE,
      stdout: '',
      stderr: `meshguard: internal error: ${error instanceof Error ? oneLine(error.message) : String(error)} (please report it; MESHGUARD_DEBUG=1 shows where)${detail}\n`,
    };
  }
}

/** Error messages from lower layers may span lines (compiler output); the CLI contract is one line. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, '; ');
}
