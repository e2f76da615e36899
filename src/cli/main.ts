#!/usr/bin/env node
import { runCli } from './run.js';

// `meshguard check | head` closes the pipe early: that is the reader's choice, not an error to crash on.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// Rego print() output (opa-wasm calls console.log) is a debugging aid, as in OPA, which prints it on stderr:
// on stdout it would corrupt --format json/sarif reports. meshguard itself writes stdout only below.
console.log = (...args: unknown[]): void => console.error(...args);

async function main(): Promise<void> {
  const outcome = await runCli(process.argv.slice(2));
  // Write, then let the process end on its own: process.exit() could cut off piped output.
  if (outcome.stdout) process.stdout.write(outcome.stdout);
  if (outcome.stderr) process.stderr.write(outcome.stderr);
  process.exitCode = outcome.exitCode;
}

await main();
