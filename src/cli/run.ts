import { PACKAGE_VERSION } from '../assets.js';
import { ConfigError } from '../config/load.js';
import { InputError } from '../load/discover.js';
import { GitError } from '../load/git.js';
import { PolicyError } from '../policy/index.js';
import { CHECK_HELP, runCheckCommand } from './check.js';
import { runInitCommand } from './init.js';
import { runPolicyCommand } from './policy.js';
import { EXIT_OK, EXIT_UNUSABLE, UsageError, type CommandOutcome } from './io.js';
import { runRulesCommand } from './rules.js';
import { runServeCommand } from './serve.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
}

const HELP = `meshguard ${PACKAGE_VERSION} - service-mesh guardrails for Kubernetes, Istio and GitLab CI

Usage: meshguard <command> [options]

Commands:
  check [paths...]   lint manifests and GitLab CI files (the default command)
  rules              list the rules
  init               write a commented starter .meshguard.yaml
  serve              run the validating admission webhook (HTTPS)
  policy             build, eval, test and verify Rego policies

Run 'meshguard <command> --help' for a command's options.`;

export async function runCli(argv: string[], environment = { cwd: process.cwd(), isTty: Boolean(process.stdout.isTTY), env: process.env, readStdin }): Promise<CommandOutcome> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        return { exitCode: command === undefined ? EXIT_UNUSABLE : EXIT_OK, stdout: command === undefined ? '' : `${HELP}\n`, stderr: command === undefined ? `${HELP}\n` : '' };
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
        throw new UsageError(`unknown command '${command}'\n\n${HELP}`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof InputError || error instanceof GitError || error instanceof PolicyError) {
      const help = error instanceof UsageError && command === 'check' ? `\n\n${CHECK_HELP}` : '';
      return { exitCode: EXIT_UNUSABLE, stdout: '', stderr: `meshguard: ${error.message}${help}\n` };
    }
    const detail = process.env.MESHGUARD_DEBUG && error instanceof Error ? `\n${error.stack}` : '';
    return { exitCode: EXIT_UNUSABLE, stdout: '', stderr: `meshguard: internal error: ${error instanceof Error ? error.message : String(error)}${detail}\n` };
  }
}
