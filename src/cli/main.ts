#!/usr/bin/env node
import { runCli } from './run.js';

async function main(): Promise<void> {
  const outcome = await runCli(process.argv.slice(2));
  // Write, then let the process end on its own: process.exit() could cut off piped output.
  if (outcome.stdout) process.stdout.write(outcome.stdout);
  if (outcome.stderr) process.stderr.write(outcome.stderr);
  process.exitCode = outcome.exitCode;
}

await main();
