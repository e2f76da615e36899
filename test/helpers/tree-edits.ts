import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Change a file's text; a file that does not exist yet is created from '' (with its folders). */
export function editFile(dir: string, file: string, change: (text: string) => string): void {
  const full = path.join(dir, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, change(existsSync(full) ? readFileSync(full, 'utf8') : ''));
}

/** The YAML files of a tree, repository-relative with `/`, sorted; the cache folder left out. */
export function yamlFilesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !path.join(e.parentPath, e.name).includes('.meshguard-cache'))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
