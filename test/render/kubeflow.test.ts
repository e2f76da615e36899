import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOnPath } from '../../src/render/tools.js';
import { REPO_ROOT, runMeshguard } from '../helpers/cli.js';
import { corpusAvailable, materializeCorpus, tempCorpusDir, type CorpusSource } from '../helpers/mirror.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures/render/kubeflow');
const source: CorpusSource = JSON.parse(readFileSync(path.join(FIXTURE, 'corpus.json'), 'utf8'));
const expected: { findings: { file: string; line: number; ruleId: string; messageId: string }[] } = JSON.parse(readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8'));
const HAS_KUSTOMIZE = Boolean(findOnPath('kustomize') || findOnPath('kubectl'));

describe.skipIf(!corpusAvailable(source) || !HAS_KUSTOMIZE)('Kubeflow manifests, rendered (snapshot + kustomize)', () => {
  it('renders the example overlay and locates every finding in the files a person edits', { timeout: 900_000 }, async () => {
    const { dir, remove } = tempCorpusDir();
    try {
      const tree = materializeCorpus(source, dir);
      // The build is large (645 objects, ~11 MB with origins): a generous budget on a shared machine.
      const config = path.join(dir, 'render.yaml');
      writeFileSync(config, 'render:\n  timeoutMs: 900000\n');
      const run = await runMeshguard(['check', 'example', '--config', config, '--format', 'json', '--today', '2026-12-03'], { cwd: tree });
      const { findings, summary } = JSON.parse(run.stdout);
      expect(summary.resources).toBe(645);
      expect(findings.filter((f: any) => f.ruleId === 'schema-validation')).toEqual([]);
      expect(findings.map((f: any) => `${f.file}:${f.line} ${f.ruleId}/${f.messageId}`)).toEqual(expected.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}/${f.messageId}`));
      // Findings on rendered objects name the overlay; none is located in the rendered stream.
      expect(findings.filter((f: any) => !f.ruleId.startsWith('render-')).every((f: any) => f.scopes?.names[0] === 'example')).toBe(true);
    } finally {
      remove();
    }
  });
});
