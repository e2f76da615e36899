import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export class GitError extends Error {}

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', args, { cwd, maxBuffer: 512 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new GitError(`git ${args.join(' ')}: ${stderr || (error as Error).message}`);
  }
}

/**
 * The files of `root` as they were at `ref`, read straight from git's object store: no checkout, no
 * worktree, so the merge-request pipeline's working tree stays untouched.
 */
export interface RevisionFile {
  /** Relative to the root the run was started in, POSIX separators. */
  path: string;
  bytes: Buffer;
}

export async function readTreeAtRevision(root: string, ref: string): Promise<{ commit: string; files: RevisionFile[] }> {
  const toplevel = (await git(root, ['rev-parse', '--show-toplevel'])).trim();
  const commit = (await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => {
    throw new GitError(`unknown git revision '${ref}' (is it fetched? in GitLab CI set GIT_DEPTH: 0 or fetch the target branch)`);
  })).trim();
  const prefix = path.relative(toplevel, path.resolve(root)).split(path.sep).join('/');
  const listing = await git(toplevel, ['ls-tree', '-r', '-z', '--full-tree', commit, ...(prefix ? ['--', prefix] : [])]);
  const blobs: { path: string; oid: string }[] = [];
  for (const entry of listing.split('\0')) {
    if (!entry) continue;
    const tab = entry.indexOf('\t');
    const [mode, type, oid] = entry.slice(0, tab).split(' ');
    if (type !== 'blob' || mode === '120000' || !oid) continue; // symlinks are not followed in the working tree either
    const fullPath = entry.slice(tab + 1);
    const relative = prefix ? fullPath.slice(prefix.length + 1) : fullPath;
    blobs.push({ path: relative, oid });
  }
  const contents = await catFileBatch(toplevel, blobs.map((b) => b.oid));
  return { commit, files: blobs.map((b, i) => ({ path: b.path, bytes: contents[i]! })) };
}

/** One `git cat-file --batch` process for all blobs: thousands of `git show` calls would dominate the run. */
function catFileBatch(cwd: string, oids: readonly string[]): Promise<Buffer[]> {
  if (oids.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new GitError(`git cat-file: ${error.message}`)));
    child.on('close', (code) => {
      if (code !== 0) return reject(new GitError(`git cat-file exited ${code}: ${stderr.trim()}`));
      const data = Buffer.concat(chunks);
      const out: Buffer[] = [];
      let offset = 0;
      for (let i = 0; i < oids.length; i++) {
        const headerEnd = data.indexOf(0x0a, offset);
        const header = data.subarray(offset, headerEnd).toString();
        const size = Number(header.split(' ')[2]);
        out.push(data.subarray(headerEnd + 1, headerEnd + 1 + size));
        offset = headerEnd + 1 + size + 1;
      }
      resolve(out);
    });
    child.stdin.end(oids.join('\n') + '\n');
  });
}
