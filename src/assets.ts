import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root, from both `src/` (tests) and `dist/` (installed): assets live beside them. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

export function readJsonAsset<T = Record<string, unknown>>(relativePath: string): T {
  return JSON.parse(readFileSync(new URL(`../${relativePath}`, import.meta.url), 'utf8')) as T;
}

export const PACKAGE_VERSION: string = readJsonAsset<{ version: string }>('package.json').version;
