import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import micromatch from 'micromatch';

export interface DiscoveredFile {
  absPath: string;
  /** Path relative to the workspace root, POSIX separators, no leading `./`. */
  path: string;
}

export interface DiscoveryOptions {
  root: string;
  include: readonly string[];
  exclude: readonly string[];
}

export class InputError extends Error {}

/**
 * Expand the command line's files, directories and globs into a sorted, de-duplicated file list.
 * Named files are taken as given (like ESLint); directories and globs are filtered by include/exclude.
 */
export async function discoverFiles(inputs: readonly string[], options: DiscoveryOptions): Promise<DiscoveredFile[]> {
  const found = new Map<string, DiscoveredFile>();
  const add = (absPath: string): void => {
    const rel = toPosix(path.relative(options.root, absPath)) || path.basename(absPath);
    found.set(absPath, { absPath, path: rel });
  };
  const included = compileGlobs(options.include);
  const excluded = compileGlobs(options.exclude);
  const isWanted = (rel: string): boolean => included(rel) && !excluded(rel);

  for (const input of inputs) {
    const absInput = path.resolve(options.root, input);
    const info = await stat(absInput).catch(() => undefined);
    if (info?.isFile()) {
      add(absInput);
    } else if (info?.isDirectory()) {
      // Globs are relative to the repository root; for a directory outside it, relative to that directory.
      const inside = !path.relative(options.root, absInput).startsWith('..');
      const before = found.size;
      for (const file of await walk(absInput)) {
        if (isWanted(toPosix(path.relative(inside ? options.root : absInput, file)))) add(file);
      }
      if (found.size === before) throw new InputError(`no files to check in ${input} (include: ${options.include.join(', ')})`);
    } else if (micromatch.scan(input).isGlob) {
      const { base } = micromatch.scan(input);
      const absBase = path.resolve(options.root, base || '.');
      const pattern = toPosix(path.relative(options.root, path.resolve(options.root, input)));
      const before = found.size;
      const matches = compileGlobs([pattern]);
      for (const file of await walk(absBase)) {
        const rel = toPosix(path.relative(options.root, file));
        if (matches(rel) && !excluded(rel)) add(file);
      }
      if (found.size === before) throw new InputError(`no files match ${input}`);
    } else {
      throw new InputError(`no such file or directory: ${input}`);
    }
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Whether a repository-relative path would be selected by these command-line inputs: the same
 * selection `discoverFiles` makes on disk, applied to a listing (a git revision's tree).
 */
export function selectsPath(relPath: string, inputs: readonly string[], options: Omit<DiscoveryOptions, 'root'>): boolean {
  const excluded = compileGlobs(options.exclude)(relPath);
  for (const raw of inputs) {
    const input = toPosix(path.posix.normalize(raw.replace(/\\/g, '/'))).replace(/\/$/, '');
    if (input === relPath) return true;
    if (micromatch.scan(raw).isGlob) {
      if (compileGlobs([input])(relPath) && !excluded) return true;
      continue;
    }
    const underDirectory = input === '.' || relPath.startsWith(`${input}/`);
    if (underDirectory && !excluded && compileGlobs(options.include)(relPath)) return true;
  }
  return false;
}

/** Every regular file below a directory. Symlinked directories are not followed (no cycles). */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git' && entry.name !== 'node_modules') pending.push(full);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        out.push(full);
      }
    }
  }
  return out;
}

const compiledGlobs = new Map<string, (path: string) => boolean>();

/** A matcher for any of the globs, compiled once per pattern list: micromatch.isMatch recompiles on every call. */
export function compileGlobs(patterns: readonly string[]): (path: string) => boolean {
  const key = patterns.join('\u0000');
  let matcher = compiledGlobs.get(key);
  if (!matcher) {
    const matchers = patterns.map((pattern) => micromatch.matcher(pattern, { dot: true }));
    matcher = (candidate) => matchers.some((matches) => matches(candidate));
    compiledGlobs.set(key, matcher);
  }
  return matcher;
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
