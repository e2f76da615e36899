import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The package root: the nearest folder above this module that holds meshguard's package.json, whether
 * the code runs from src/ (tests) or dist/ (installed): every asset is named by its path from there, not
 * by a count of `..` that depends on the depth of the module asking.
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'meshguard') return dir;
    if (path.dirname(dir) === dir) throw new Error(`meshguard's package.json was not found above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A file of the package, by its path from the package root (e.g. `dist/rego/runtime.wasm`). */
export const packagePath = (relativePath: string): string => path.join(PACKAGE_ROOT, relativePath);

export const packageUrl = (relativePath: string): URL => pathToFileURL(packagePath(relativePath));

/**
 * Where the running code lives: `src` under vitest, `dist` when built. Sources
 * and their compiled files are named alike there but for the extension.
 */
export const CODE_TREE = path.relative(PACKAGE_ROOT, fileURLToPath(import.meta.url)).split(path.sep)[0] === 'src' ? 'src' : 'dist';
export const CODE_EXTENSION = CODE_TREE === 'src' ? 'ts' : 'js';

export function readJsonAsset<T = Record<string, unknown>>(relativePath: string): T {
  return JSON.parse(readFileSync(packagePath(relativePath), 'utf8')) as T;
}

export const PACKAGE_VERSION: string = readJsonAsset<{ version: string }>('package.json').version;
