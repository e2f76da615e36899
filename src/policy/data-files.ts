import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { mergeAt } from './bundle.js';
import { PolicyError } from './compile.js';

const DATA_FILE = /\.(json|ya?ml)$/i;

/**
 * The `data` document of conftest's `-d`/`--data` paths, laid out as OPA's loader lays it out: a
 * file given by name, or lying directly in a directory given by name, is merged at the root of
 * `data`; a file in a subdirectory goes under that subdirectory's path (`-d policy-data` with
 * `policy-data/teams/owners.yaml` gives `data.teams`). A file that cannot be read or parsed is an
 * unusable argument.
 */
export async function loadDataDocuments(paths: readonly string[], cwd: string): Promise<Record<string, unknown>> {
  let data: Record<string, unknown> = {};
  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    const info = await stat(absolute).catch(() => undefined);
    if (!info) throw new PolicyError(`--data ${given}: no such file or directory`);
    const files = info.isDirectory() ? await dataFilesUnder(absolute) : [absolute];
    for (const file of files) {
      const at = info.isDirectory() ? path.relative(absolute, path.dirname(file)).split(path.sep).filter((s) => s !== '') : [];
      data = mergeAt(data, at, await readDataFile(file, path.relative(cwd, file)));
    }
  }
  return data;
}

async function dataFilesUnder(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await dataFilesUnder(full)));
    else if (entry.isFile() && DATA_FILE.test(entry.name)) files.push(full);
  }
  return files;
}

async function readDataFile(file: string, shown: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    const value: unknown = file.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
      throw new Error('the document must be an object (its keys become names under data)');
    }
    return value ?? {};
  } catch (error) {
    throw new PolicyError(`--data ${shown}: ${(error as Error).message}`);
  }
}
