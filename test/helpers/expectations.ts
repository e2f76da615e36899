import { readFileSync } from 'node:fs';

/**
 * Expected findings written into a fixture as `# expect: rule-a rule-b` on the offending line
 * (compiletest's `//~ ERROR` habit): no hand-maintained line numbers to go stale.
 */
export function expectedFindings(file: string): string[] {
  const expected: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      const match = /#\s*expect:\s*(.+)$/.exec(line);
      if (!match) return;
      for (const ruleId of match[1]!.trim().split(/[\s,]+/)) expected.push(`${index + 1}:${ruleId}`);
    });
  return expected.sort();
}

export function actualFindings(findings: readonly { line: number; ruleId: string; suppressed?: unknown }[]): string[] {
  return findings
    .filter((f) => !f.suppressed)
    .map((f) => `${f.line}:${f.ruleId}`)
    .sort();
}
