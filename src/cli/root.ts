import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_FILE_NAME } from '../config/load.js';

/**
 * The root of a `--only` run: cross-resource rules need the whole repository as context, and the
 * working directory is not it when a hook or a user runs meshguard elsewhere (from /tmp it would load
 * all of /tmp). Walking up from the changed files, the first directory holding `.git` (a directory,
 * or a file in worktrees and submodules) or `.meshguard.yaml` is the root. Without either, the
 * deepest directory holding every changed file is taken, and `marker` is false so the caller says so.
 */
export async function rootOfChangedFiles(files: readonly string[], cwd: string): Promise<{ root: string; marker: boolean }> {
  const directories = files.map((file) => path.dirname(path.resolve(cwd, file)));
  const common = directories.reduce(commonAncestor);
  for (let dir = common; ; dir = path.dirname(dir)) {
    if ((await exists(path.join(dir, '.git'))) || (await exists(path.join(dir, CONFIG_FILE_NAME)))) return { root: dir, marker: true };
    if (path.dirname(dir) === dir) return { root: common, marker: false };
  }
}

function commonAncestor(a: string, b: string): string {
  let dir = a;
  while (dir !== b && !b.startsWith(dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`)) dir = path.dirname(dir);
  return dir;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}
