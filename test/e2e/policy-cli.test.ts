import { writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMeshguard } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('meshguard policy build/eval', () => {
  it('accept v0 policies (conftest style) without a flag, as check does', async () => {
    const dir = tempDir('meshguard-policy-');
    const wasm = path.join(dir, 'policy.wasm');
    const build = await runMeshguard(['policy', 'build', 'fixtures/policies/conftest', '-e', 'main/deny', '-o', wasm]);
    expect(build.code).toBe(0);
    expect(existsSync(wasm)).toBe(true);

    const input = path.join(dir, 'input.json');
    writeFileSync(input, JSON.stringify({ kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'nginx:1.27' }] } } } }));
    const evaluated = await runMeshguard(['policy', 'eval', 'data.main.deny', '-i', input, 'fixtures/policies/conftest']);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toEqual([{ result: ['Deployment web must set runAsNonRoot'] }]);
  });

  it('still reports a real parse error with file:line:col', async () => {
    const dir = tempDir('meshguard-policy-');
    writeFileSync(path.join(dir, 'broken.rego'), 'package main\n\ndeny contains msg if {\n  msg := \n}\n');
    const run = await runMeshguard(['policy', 'eval', 'data.main.deny', dir]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/broken\.rego:\d+:\d+: rego_parse_error/);
  });
});
