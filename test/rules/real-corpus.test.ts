import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { corpusAvailable, materializeCorpus, tempCorpusDir, type CorpusSource } from '../helpers/mirror.js';

/**
 * Public Istio repositories as a user would check them (`meshguard check .` at their root, default
 * configuration): the findings of the mesh rules and of duplicate-resource must be exactly the ones pinned in
 * fixtures/real/<owner>+<name>/expected.json, each reviewed by hand against Istio's documentation (the reason
 * says why it is right). Nothing of those repositories is committed: the manifest names the commit and the
 * files, read from the snapshot on this machine; without the snapshot the repository is reported skipped.
 */
const REAL = path.resolve(import.meta.dirname, '../../fixtures/real');

interface Expected {
  rules: string[];
  findings: Array<{ ruleId: string; messageId: string; file: string; line: number; resource: string; reason: string }>;
}

const key = (f: { ruleId: string; messageId: string; file: string; line: number }): string => `${f.file}:${f.line} ${f.ruleId}/${f.messageId}`;

const workspace = tempCorpusDir('meshguard-real-');
afterAll(() => workspace.remove());

for (const name of readdirSync(REAL, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  const source = JSON.parse(readFileSync(path.join(REAL, name, 'manifest.json'), 'utf8')) as CorpusSource;
  const expected = JSON.parse(readFileSync(path.join(REAL, name, 'expected.json'), 'utf8')) as Expected;

  describe.skipIf(!corpusAvailable(source))(`real repository ${source.repo}@${source.commit.slice(0, 8)}`, () => {
    it('gives exactly the reviewed mesh findings', async () => {
      const root = materializeCorpus(source, workspace.dir);
      // The expected findings were reviewed on the files as written; the same repositories rendered through
      // their kustomizations are a corpus of their own, not yet reviewed.
      const config = { ...DEFAULT_CONFIG, render: { ...DEFAULT_CONFIG.render, kustomize: { ...DEFAULT_CONFIG.render.kustomize, enabled: false } } };
      const result = await runCheck({ root, inputs: ['.'], config, today: '2026-12-03' });
      // duplicate-resource (a warning) was reviewed by sampling, and which files a kustomization makes
      // patches or unused changes its count: the mesh findings are compared exactly, duplicates are not.
      const compared = (ruleId: string): boolean => expected.rules.includes(ruleId) && ruleId !== 'duplicate-resource';
      const actual = result.findings.filter((f) => compared(f.ruleId) && !f.suppressed).map(key).sort();
      expect(actual).toEqual(expected.findings.filter((f) => compared(f.ruleId)).map(key).sort());
    });

    it('gives every pinned finding a reason', () => {
      for (const finding of expected.findings) expect(finding.reason.length, key(finding)).toBeGreaterThan(40);
    });
  });
}
