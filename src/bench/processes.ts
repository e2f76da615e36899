import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
export const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface ChildMeasurement {
  mode: string;
  elapsedMs: number;
  cpuMs: number;
  maxRssKb: number;
  wallMs: number;
  [key: string]: unknown;
}

/** Run one measurement in a fresh Node process: "cold" means no JIT, no module or file cache in-process. */
export function measureInChild(args: string[]): Promise<ChildMeasurement> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`benchmark child ${args.join(' ')} exited ${code}`));
      const measured = JSON.parse(out.trim().split('\n').pop()!) as ChildMeasurement;
      resolve({ ...measured, wallMs: performance.now() - started });
    });
  });
}

export async function repeat<T>(times: number, run: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < times; i++) results.push(await run());
  return results;
}

/**
 * `meshguard check` as a user runs it: the bin in a fresh process, JSON report to a pipe. Only its wall
 * time is known from outside, start-up and module loading included.
 */
export function measureCli(args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`meshguard ${args.join(' ')} exited ${code}`))));
  });
}
