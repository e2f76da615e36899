import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Real-world corpora are read from public repositories' snapshots on this machine, never committed:
 * the snapshots' content is other people's work, so the repository keeps only where each file came
 * from (a corpus manifest: repository, commit, paths) and the findings we expect on it. A machine
 * without the snapshot skips the corpus test (reported as skipped, never as passed).
 *
 * Snapshots are bare git directories at `<MESHGUARD_MIRROR or /work/.mirror>/<owner>+<name>/repo`.
 */
export const MIRROR_ROOT = process.env.MESHGUARD_MIRROR ?? '/work/.mirror';

export interface CorpusSource {
  /** `owner/name` on GitHub. */
  repo: string;
  /** The exact commit the expected findings were reviewed against. */
  commit: string;
  /** Files or directories (prefixes) inside the repository; empty means the whole tree. */
  paths: string[];
}

export function mirrorGitDir(repo: string): string | undefined {
  const dir = path.join(MIRROR_ROOT, repo.replace('/', '+'), 'repo');
  return existsSync(dir) ? dir : undefined;
}

/** True when the snapshot exists and holds the pinned commit. */
export function corpusAvailable(source: CorpusSource): boolean {
  const gitDir = mirrorGitDir(source.repo);
  if (!gitDir) return false;
  const probe = spawnSync('git', ['--git-dir', gitDir, 'cat-file', '-e', `${source.commit}^{commit}`]);
  return probe.status === 0;
}

/**
 * Write the pinned files of `source` under `dest/<owner>+<name>/` (as they are at the commit) and return
 * that directory. Throws when the snapshot or a path is missing: callers check `corpusAvailable` first.
 */
export function materializeCorpus(source: CorpusSource, dest: string): string {
  const gitDir = mirrorGitDir(source.repo);
  if (!gitDir) throw new Error(`no snapshot of ${source.repo} under ${MIRROR_ROOT}`);
  const target = path.join(dest, source.repo.replace('/', '+'));
  mkdirSync(target, { recursive: true });
  // Not `git archive`: it honours export-ignore (CMake marks `.gitlab*` so) and stops at a blob the
  // snapshot lacks (files of 4 MiB and more), even outside the wanted paths.
  const listing = spawnSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '-z', source.commit, '--', ...source.paths], { maxBuffer: 256 * 1024 * 1024 });
  if (listing.status !== 0) throw new Error(`git ls-tree ${source.repo}@${source.commit}: ${listing.stderr.toString()}`);
  const blobs: { id: string; file: string }[] = [];
  for (const entry of listing.stdout.toString().split('\0')) {
    const match = /^(\d+) blob ([0-9a-f]+)\t(.+)$/s.exec(entry);
    if (match && match[1] !== '120000') blobs.push({ id: match[2]!, file: match[3]! });
  }
  // One `cat-file --batch` for all blobs; a blob the snapshot lacks answers "<id> missing".
  const batch = spawnSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], {
    input: blobs.map((b) => b.id).join('\n') + '\n',
    maxBuffer: 1024 * 1024 * 1024,
  });
  const out = batch.stdout;
  let offset = 0;
  for (const blob of blobs) {
    const headerEnd = out.indexOf(10, offset);
    const header = out.subarray(offset, headerEnd).toString();
    offset = headerEnd + 1;
    const size = /^[0-9a-f]+ blob (\d+)$/.exec(header)?.[1];
    if (size === undefined) continue;
    const file = path.join(target, blob.file);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, out.subarray(offset, offset + Number(size)));
    offset += Number(size) + 1;
  }
  return target;
}

/** A temporary directory that the caller removes with the returned function (tests leave /tmp clean). */
export function tempCorpusDir(prefix = 'meshguard-corpus-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
