import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { standaloneInputHash, standaloneModuleUrl, standaloneValidator, type StandaloneSchemaName } from '../../src/model/schema/standalone.js';
import { parseCorpusFile } from '../gitlab/helpers.js';

/**
 * The build's precompiled configuration and GitLab CI validators must say exactly what the schemas
 * compiled at run time say: same verdict, same errors (rules turn the errors into findings), on GitLab's
 * own schema fixtures, the repository's CI files and every configuration fixture.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const GITLAB_CORPUS = path.resolve(ROOT, '../shared/corpus/gitlab-ci');

function filesUnder(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full, pattern) : pattern.test(name) ? [full] : [];
  });
}

function verdicts(name: StandaloneSchemaName, documents: unknown[]): { precompiled: unknown[]; compiled: unknown[] } {
  const precompiled = standaloneValidator(name);
  const compiled = standaloneValidator(name, false);
  expect(precompiled).not.toBe(compiled);
  const run = (validate: typeof precompiled) => documents.map((document) => ({ valid: validate(document), errors: validate.errors ?? null }));
  return { precompiled: run(precompiled), compiled: run(compiled) };
}

describe('precompiled configuration and GitLab CI validators', () => {
  const built = existsSync(standaloneModuleUrl('gitlab-ci')) && existsSync(standaloneModuleUrl('config'));

  it.skipIf(!built)('are the build output for the current schemas (not silently compiled at run time)', () => {
    for (const name of ['config', 'gitlab-ci'] as const) {
      const schemaText = readFileSync(path.join(ROOT, `schemas/${name === 'config' ? 'config' : 'gitlab-ci'}.schema.json`), 'utf8');
      const generated = readFileSync(standaloneModuleUrl(name), 'utf8');
      expect(generated).toContain(JSON.stringify(standaloneInputHash(name, schemaText)));
      const exported = (createRequire(import.meta.url)(fileURLToPath(standaloneModuleUrl(name))) as { validate: unknown }).validate;
      expect(standaloneValidator(name)).toBe(exported);
    }
  });

  it('do not accept a module generated from another schema text', () => {
    expect(standaloneInputHash('gitlab-ci', '{}')).not.toBe(standaloneInputHash('gitlab-ci', '{ }'));
    expect(standaloneInputHash('config', '{}')).not.toBe(standaloneInputHash('gitlab-ci', '{}'));
  });

  it.skipIf(!built || !existsSync(GITLAB_CORPUS))("GitLab CI: same errors as the run-time compile on GitLab's schema fixtures and the repository's CI files", () => {
    const documents: unknown[] = [];
    for (const file of filesUnder(GITLAB_CORPUS, /\.(ya?ml|json)$/)) {
      const cases = parseCorpusFile(readFileSync(file, 'utf8'));
      if (cases && typeof cases === 'object') {
        for (const [key, value] of Object.entries(cases as Record<string, unknown>)) documents.push({ [key]: value }, value);
      }
    }
    for (const file of filesUnder(path.join(ROOT, 'fixtures'), /gitlab-ci\.ya?ml$/)) documents.push(parse(readFileSync(file, 'utf8')));
    documents.push(parse(readFileSync(path.join(ROOT, '.gitlab-ci.yml'), 'utf8')));
    expect(documents.length).toBeGreaterThan(300);
    const { precompiled, compiled } = verdicts('gitlab-ci', documents);
    expect(precompiled).toEqual(compiled);
    expect(compiled.some((v) => (v as { valid: boolean }).valid)).toBe(true);
    expect(compiled.some((v) => !(v as { valid: boolean }).valid)).toBe(true);
  });

  it.skipIf(!built)('configuration: same errors as the run-time compile on every configuration fixture and planted mistakes', () => {
    const documents: unknown[] = filesUnder(path.join(ROOT, 'fixtures'), /^\.meshguard\.ya?ml$/).map((file) => parse(readFileSync(file, 'utf8')));
    documents.push({ rules: { 'no-such-shape': 3 } }, { maxFileBytes: 'big' }, { unknownKey: true }, [], null);
    const { precompiled, compiled } = verdicts('config', documents);
    expect(precompiled).toEqual(compiled);
    expect(compiled.filter((v) => !(v as { valid: boolean }).valid).length).toBeGreaterThanOrEqual(3);
  });
});
