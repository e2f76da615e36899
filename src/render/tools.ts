import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** An executable of that name on PATH (no shell, no download), or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type ToolOutcome =
  | { ok: true; stdout: string; stderr: string }
  | { ok: false; reason: 'failed' | 'timeout' | 'unavailable'; message: string };

/**
 * Run a rendering tool with a time limit. The child gets no stdin and an environment that keeps git
 * from prompting; remote references are refused before a tool runs, so nothing is fetched.
 */
export function runTool(command: readonly string[], args: readonly string[], options: { cwd: string; timeoutMs: number }): Promise<ToolOutcome> {
  const [program, ...leading] = command;
  return new Promise((resolve) => {
    const child = spawn(program!, [...leading, ...args], {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: error.code === 'ENOENT' ? 'unavailable' : 'failed', message: `${program}: ${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) return resolve({ ok: false, reason: 'timeout', message: `${[program, ...leading].join(' ')} did not finish within ${options.timeoutMs} ms` });
      if (code !== 0) return resolve({ ok: false, reason: 'failed', message: toolMessage(stderr) || `${program} exited with code ${code}` });
      resolve({ ok: true, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/**
 * The tool's own words, without log decoration: kubectl wraps kustomize's error as
 * `E1203 09:48:10.263358 11215 run.go:72] "command failed" err="..."`, kustomize prints `Error: ...`.
 */
export function toolMessage(stderr: string): string {
  const klog = /err="((?:[^"\\]|\\.)*)"/.exec(stderr);
  if (klog) return klog[1]!.replace(/\\(["\\])/g, '$1');
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  // A Go panic (kustomize crashes on some inputs): its reason, not the goroutine dump, whose addresses change
  // from run to run and would make the finding's message differ each time.
  const panic = lines.find((l) => l.startsWith('panic: '));
  if (panic) return `crashed (Go panic): ${panic.slice('panic: '.length)}`;
  const error = lines.find((l) => /^Error:/.test(l));
  return (error ?? lines.join(' ')).replace(/^Error:\s*/, '');
}
