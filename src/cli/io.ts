/** What a command produced; only main.ts prints and sets the exit code. */
export interface CommandOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What a command may know about where it runs: passed in, so tests can run commands in-process. */
export interface CliEnvironment {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: { isTTY: boolean; columns?: number };
  /** Live progress goes here while a command runs; everything else is returned in the outcome. */
  stderr: { isTTY: boolean; columns?: number; write(text: string): void };
  /** Standard input as text, read only for `meshguard check -`. */
  readStdin?: () => Promise<string>;
}

/** Unusable arguments: exit code 2 with a message, never a stack trace. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_UNUSABLE = 2;
