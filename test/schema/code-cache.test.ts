import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { loadWorkspace } from '../../src/load/index.js';
import { loadValidatorGroup, loadedFromCodeCache, writeCodeCache } from '../../src/model/schema/code-cache.js';
import { POD_BEARING_KINDS } from '../../src/model/workload.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const WORKLOADS = path.join(ROOT, 'dist/schemas/validators/workloads.cjs');
const INDEX = path.join(ROOT, 'dist/schemas/validators.cjs');

type Validate = ((data: unknown) => boolean) & { errors?: unknown };

describe('validator groups loaded with a V8 code cache', () => {
  it.skipIf(!existsSync(WORKLOADS) || !existsSync(INDEX))('validate as the group run by require does, with the cache and without, and ignore a cache of other content', async () => {
    const require = createRequire(import.meta.url);
    const name = (require(INDEX) as { meta: { index: Record<string, string> } }).meta.index['k8s:apps/v1/Deployment']!;
    const workloads = (await loadWorkspace(['fixtures/rules', 'fixtures/demo'], ROOT, DEFAULT_CONFIG)).resources.filter((r) =>
      (POD_BEARING_KINDS as readonly string[]).includes(r.kind),
    );
    expect(workloads.length).toBeGreaterThan(20);
    const outcomes = (validate: Validate) => workloads.map((r) => (validate(r.object) ? 'valid' : JSON.stringify(validate.errors)));
    const expected = outcomes((require(WORKLOADS) as Record<string, Validate>)[name]!);
    expect(expected.filter((o) => o !== 'valid').length).toBeGreaterThan(0);

    const file = path.join(tempDir(), 'workloads.cjs');
    copyFileSync(WORKLOADS, file);
    const withoutCache = loadValidatorGroup(file) as Record<string, Validate>;
    expect(loadedFromCodeCache(file)).toBe(false);
    expect(outcomes(withoutCache[name]!)).toEqual(expected);

    writeCodeCache(file);
    const withCache = loadValidatorGroup(file) as Record<string, Validate>;
    expect(loadedFromCodeCache(file)).toBe(true);
    expect(outcomes(withCache[name]!)).toEqual(expected);

    // Same length, other text: V8 checks only the length, the digest in the cache file catches it.
    const source = readFileSync(file, 'utf8');
    expect(source.startsWith('"use strict";')).toBe(true);
    writeFileSync(file, `'use strict';${source.slice('"use strict";'.length)}`);
    const edited = loadValidatorGroup(file) as Record<string, Validate>;
    expect(loadedFromCodeCache(file)).toBe(false);
    expect(outcomes(edited[name]!)).toEqual(expected);
  });
});
