import type { CliEnvironment } from './io.js';

/**
 * Colour, in order: the command-line flag; FORCE_COLOR (the Node.js/chalk convention: set and not
 * `0`/`false` forces it on); NO_COLOR (no-color.org); GitLab CI, whose job logs render ANSI colour
 * although stdout is a pipe there; otherwise only on a terminal.
 */
export function colorEnabled(flag: boolean | undefined, isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR) return false;
  if (env.GITLAB_CI === 'true') return true;
  return isTTY && env.TERM !== 'dumb';
}

/**
 * Width to wrap the human listing at: `$COLUMNS` when set (like most terminal tools), else the
 * terminal's own width. Pipes, files and CI logs are not wrapped: one finding per line greps best.
 */
export function terminalWidth(stdout: CliEnvironment['stdout'], env: NodeJS.ProcessEnv): number | undefined {
  const columns = Number(env.COLUMNS);
  if (Number.isInteger(columns) && columns > 0) return columns;
  return stdout.isTTY && stdout.columns && stdout.columns > 0 ? stdout.columns : undefined;
}

export interface CheckProgressEvent {
  stage: 'loaded' | 'rules';
  done: number;
  total: number;
}

export interface Progress {
  update: (event: CheckProgressEvent) => void;
  done: () => void;
}

/**
 * One status line on stderr for long runs (files loaded, resources checked), redrawn in place and
 * erased at the end. Only on an interactive terminal: pipes and CI logs (CI=true) would keep every
 * redraw. Nothing is drawn during the first half second, so quick runs stay quiet.
 */
export function createProgress(stderr: CliEnvironment['stderr'], env: NodeJS.ProcessEnv, now: () => number = () => performance.now()): Progress | undefined {
  if (!stderr.isTTY || env.CI || env.TERM === 'dumb') return undefined;
  const started = now();
  let lastDraw = -Infinity;
  let drawn = false;
  const width = Math.max(20, (stderr.columns && stderr.columns > 0 ? stderr.columns : 80) - 1);
  return {
    update(event) {
      const at = now();
      const last = event.done === event.total;
      if (at - started < 500 || (at - lastDraw < 100 && !last)) return;
      lastDraw = at;
      drawn = true;
      const text = event.stage === 'loaded' ? `meshguard: loaded ${event.total} files` : `meshguard: checked ${event.done}/${event.total} resources`;
      stderr.write(`\r\u001b[K${text.slice(0, width)}`);
    },
    done() {
      if (drawn) stderr.write('\r\u001b[K');
    },
  };
}
