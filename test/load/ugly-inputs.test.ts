import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uglyInputs } from '../../src/bench/ugly-inputs.js';
import { MAX_PROBLEMS_PER_FILE } from '../../src/load/yaml.js';
import { runMeshguard } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The inputs src/bench/hardening.ts measures (time and peak RSS, issue 20), at a twentieth of their size:
 * what the CLI says about them. Their cost is measured by the script, not asserted here.
 */
describe('ugly input files', () => {
  it('each is a bounded set of findings with a location, the run exits 1, the same with and without --cache', { timeout: 120_000 }, async () => {
    const dir = tempDir('meshguard-ugly-');
    const inputs = uglyInputs(0.05);
    for (const input of inputs) writeFileSync(path.join(dir, input.file), input.content);
    // The over-cap file is 2 MB at this scale: the cap moves with it, above the largest file that must be read.
    const overCap = inputs.find((i) => i.file === 'over-cap.yaml')!.content.length;
    writeFileSync(path.join(dir, '.meshguard.yaml'), `maxFileBytes: ${overCap - 100_000}\n`);

    const run = async (...extra: string[]) => {
      const result = await runMeshguard(['check', '.', '--format', 'json', ...extra], { cwd: dir });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(1);
      return (JSON.parse(result.stdout) as { findings: Array<{ file: string; line: number; ruleId: string; messageId: string }> }).findings;
    };
    const findings = await run();
    for (const input of inputs) {
      const own = findings.filter((f) => f.file === input.file);
      expect(own.length, input.name).toBeLessThanOrEqual(MAX_PROBLEMS_PER_FILE + 1);
      for (const finding of own) expect(finding.line, `${input.name}: ${finding.ruleId}`).toBeGreaterThanOrEqual(1);
      if (input.expect) expect(own.map((f) => `${f.ruleId}/${f.messageId}`), input.name).toContain(input.expect);
    }
    // The cache once ended such a run with "Invalid string length" (exit 2): cold and warm runs say the same.
    expect(await run('--cache')).toEqual(findings);
    expect(await run('--cache')).toEqual(findings);
    expect(readFileSync(path.join(dir, '.meshguard-cache/parse.json'), 'utf8').length).toBeLessThan(inputs.reduce((n, i) => n + i.content.length, 0));
  });

  it('a 20,000-deep flow sequence beside a file with a BOM and tabs is a finding, not an aborted process', { timeout: 60_000 }, async () => {
    // An esbuild bundle of the CLI aborted on exactly this pair (V8's fatal "RegExpCompiler Allocation failed",
    // exit 134, nothing on stdout): the overflow of deep nesting must stay a finding, whatever parsed first.
    const dir = tempDir('meshguard-deep-');
    writeFileSync(path.join(dir, 'bom-tabs.yaml'), '\ufeffapiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n');
    writeFileSync(path.join(dir, 'deep.yaml'), `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    const result = await runMeshguard(['check', '.', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    const findings = (JSON.parse(result.stdout) as { findings: Array<{ file: string; ruleId: string; messageId: string }> }).findings;
    expect(findings.filter((f) => f.file === 'deep.yaml').map((f) => `${f.ruleId}/${f.messageId}`)).toEqual(['yaml-syntax/RESOURCE_EXHAUSTION']);
    expect(findings.some((f) => f.file === 'bom-tabs.yaml')).toBe(true);
  });
});
