import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Write a cache file whole or not at all: to a temporary file of this process, renamed over the old one, so
 * that a run stopped midway or a concurrent run never leaves a half-written file for the next to read.
 */
export async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** The cache files kept beside one another: `parse.json` -> `parse.<part>.json`. */
export function besideCacheFile(file: string, part: string): string {
  return file.replace(/(\.json)?$/, `.${part}.json`);
}
