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
});
