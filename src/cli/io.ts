/** What a command produced; only main.ts prints and sets the exit code. */
export interface CommandOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Unusable arguments: exit code 2 with a message, never a stack trace. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_UNUSABLE = 2;
