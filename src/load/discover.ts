import { lstatSync, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import micromatch from 'micromatch';
import { WHOLE_FILE, type LoadProblem } from './problems.js';

export interface DiscoveredFile {
  absPath: string;
  /** Path relative to the workspace root, POSIX separators, no leading `./`. */
  path: string;
  /** Size in bytes when discovery saw it (to decide whether parse threads pay), not trusted for reading. */
  size?: number;
}

export interface DiscoveryOptions {
  root: string;
  include: readonly string[];
  exclude: readonly string[];
}

export class InputError extends Error {}

/** The files to read, and what was found but refused (each a finding). */
export interface Discovery {
  files: DiscoveredFile[];
  problems: LoadProblem[];
}

/** `discoverInputs` without the refusals, for callers that only want files to read. */
export async function discoverFiles(inputs: readonly string[], options: DiscoveryOptions): Promise<DiscoveredFile[]> {
  return (await discoverInputs(inputs, options)).files;
}

/**
 * Expand the command line's files, directories and globs into a sorted, de-duplicated file list.
 * Named files are taken as given (like ESLint); directories and globs are filtered by include/exclude.
 *
 * Nothing outside the tree being checked is read through it: a symbolic link is followed only when its
 * real target is a regular file inside the repository root (or inside the named directory, for a
 * directory outside the root). Links leading elsewhere, special files (FIFOs, devices, sockets) and
 * unreadable directories are findings, never read and never silently skipped.
 */
export async function discoverInputs(inputs: readonly string[], options: DiscoveryOptions): Promise<Discovery> {
  const found = new Map<string, DiscoveredFile>();
  const problems = new Map<string, LoadProblem>();
  const fromRoot = relativeFrom(options.root);
  const relativeOf = (absPath: string): string => toPosix(fromRoot(absPath)) || path.basename(absPath);
  const add = (absPath: string, size: number): void => {
    found.set(absPath, { absPath, path: relativeOf(absPath), size });
  };
  const refuse = (absPath: string, messageId: string, message: string): void => {
    const file = relativeOf(absPath);
    problems.set(absPath, { ruleId: 'input-unreadable', messageId, severity: 'error', message, file, range: WHOLE_FILE });
  };
  const realRoot = await realpath(options.root).catch(() => path.resolve(options.root));
  /**
   * Add a file met by walking or named, after checking where a link leads and what it is. In blocking
   * calls, like the walk: with one awaited lstat per file in turn, finding the 1,622 files of the
   * findings-heavy bench tree took 128-263 ms of CPU; blocking, 53-133 ms.
   */
  const addChecked = (absPath: string, boundary: string): void => {
    const link = tryFs(() => lstatSync(absPath));
    if (!link) return;
    if (link.isSymbolicLink()) {
      const target = tryFs(() => realpathSync.native(absPath));
      if (!target) return refuse(absPath, 'brokenLink', 'symbolic link to nothing (its target does not exist); not read');
      if (!isInside(target, boundary)) return refuse(absPath, 'outsideRepository', 'symbolic link to a file outside the repository root; not read');
      const info = tryFs(() => statSync(target));
      if (!info?.isFile()) return refuse(absPath, 'notRegularFile', `symbolic link to ${info?.isDirectory() ? 'a directory' : 'a special file (FIFO, device or socket)'}; not read`);
      return add(absPath, info.size);
    } else if (!link.isFile()) {
      return refuse(absPath, 'notRegularFile', 'not a regular file (FIFO, device or socket); not read');
    }
    add(absPath, link.size);
  };
  const walkWanted = (dir: string, wanted: (file: string) => boolean, boundary: string): void => {
    const listing = walk(dir);
    for (const unreadable of listing.unreadable) {
      if (wantedDirectory(unreadable)) refuse(unreadable, 'unreadableDirectory', `directory cannot be read (${listing.errors.get(unreadable)}); the files in it are not checked`);
    }
    for (const file of listing.files) if (wanted(file)) addChecked(file, boundary);
  };
  const excludedAbs = (absPath: string): boolean => compileGlobs(options.exclude)(toPosix(fromRoot(absPath)));
  const wantedDirectory = (absPath: string): boolean => !excludedAbs(absPath) && !excludedAbs(path.join(absPath, 'x'));
  const included = compileGlobs(options.include);
  const excluded = compileGlobs(options.exclude);
  const isWanted = (rel: string): boolean => included(rel) && !excluded(rel);

  for (const input of inputs) {
    const absInput = path.resolve(options.root, input);
    const info = await stat(absInput).catch(() => undefined);
    const namedOutside = path.relative(options.root, absInput).startsWith('..');
    if (info?.isFile()) {
      // A file named outside the root was pointed at explicitly; one inside must not lead out of it.
      addChecked(absInput, namedOutside ? path.dirname(await realpath(absInput)) : realRoot);
    } else if (info && !info.isDirectory()) {
      refuse(absInput, 'notRegularFile', 'not a regular file (FIFO, device or socket); not read');
    } else if (info?.isDirectory()) {
      // Globs are relative to the repository root; for a directory outside it, relative to that directory.
      const inside = !namedOutside;
      const before = found.size + problems.size;
      const boundary = inside ? realRoot : await realpath(absInput);
      const fromBase = inside ? fromRoot : relativeFrom(absInput);
      walkWanted(absInput, (file) => isWanted(toPosix(fromBase(file))), boundary);
      if (found.size + problems.size === before) throw new InputError(`no files to check in ${input} (include: ${options.include.join(', ')})`);
    } else if (micromatch.scan(input).isGlob) {
      const { base } = micromatch.scan(input);
      const absBase = path.resolve(options.root, base || '.');
      const pattern = toPosix(path.relative(options.root, path.resolve(options.root, input)));
      const before = found.size + problems.size;
      const matches = compileGlobs([pattern]);
      walkWanted(absBase, (file) => {
        const rel = toPosix(fromRoot(file));
        return matches(rel) && !excluded(rel);
      }, realRoot);
      if (found.size + problems.size === before) throw new InputError(`no files match ${input}`);
    } else {
      throw new InputError(`no such file or directory: ${input}`);
    }
  }
  const byPath = <T extends { path?: string; file?: string }>(a: T, b: T): number => {
    const x = a.path ?? a.file ?? '';
    const y = b.path ?? b.file ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  };
  return { files: [...found.values()].sort(byPath), problems: [...problems.values()].sort(byPath) };
}

/**
 * `path.relative(base, ·)` for the paths met here, all resolved or joined (so normalised): below the base,
 * the answer is the rest of the string. path.relative resolves both of its arguments on
 * every call (the working directory included): ~20 ms of CPU for the 1,622 files of the findings-heavy
 * bench tree, a sixth of a warm run.
 */
function relativeFrom(base: string): (absPath: string) => string {
  const absBase = path.resolve(base);
  const prefix = absBase.endsWith(path.sep) ? absBase : absBase + path.sep;
  return (absPath) => (absPath.startsWith(prefix) ? absPath.slice(prefix.length) : path.relative(absBase, absPath));
}

/** An fs call's result, or undefined when it fails (a missing file, a broken link). */
function tryFs<T>(call: () => T): T | undefined {
  try {
    return call();
  } catch {
    return undefined;
  }
}

function isInside(target: string, boundary: string): boolean {
  return target === boundary || target.startsWith(boundary.endsWith(path.sep) ? boundary : boundary + path.sep);
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

/**
 * Every file-like entry below a directory: regular files, links, and special files (which the caller
 * refuses when selected). Symlinked directories are not followed (no cycles, no way out of the tree).
 */
function walk(dir: string): { files: string[]; unreadable: string[]; errors: Map<string, string> } {
  const files: string[] = [];
  const unreadable: string[] = [];
  const errors = new Map<string, string>();
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch (error) {
      unreadable.push(current);
      errors.set(current, (error as NodeJS.ErrnoException).code ?? String(error));
      continue;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git' && entry.name !== 'node_modules') pending.push(full);
      } else {
        files.push(full);
      }
    }
  }
  return { files, unreadable, errors };
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
