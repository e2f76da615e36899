import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { renderCodeQuality, type CodeQualityIssue } from '../../src/report/codequality.js';
import { makeInput } from './fixtures.js';

const schema = JSON.parse(readFileSync(new URL('./codequality.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);

describe('codequality', () => {
  const text = renderCodeQuality(makeInput());
  const issues = JSON.parse(text) as CodeQualityIssue[];

  it('validates against GitLab\'s documented requirements', () => {
    expect(validate(issues), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the schema is live: it rejects what GitLab rejects', () => {
    const mutate = (change: (issue: Record<string, any>) => void): unknown => {
      const copy = JSON.parse(text) as Array<Record<string, any>>;
      change(copy[0]!);
      return copy;
    };
    expect(validate(mutate((i) => (i.severity = 'error')))).toBe(false);
    expect(validate(mutate((i) => (i.location.path = './k8s/a.yaml')))).toBe(false);
    expect(validate(mutate((i) => (i.location.lines.begin = 1.5)))).toBe(false);
    expect(validate(mutate((i) => delete i.fingerprint))).toBe(false);
  });

  it('omits suppressed findings and maps severities', () => {
    expect(issues).toHaveLength(6);
    expect(issues.map((i) => i.fingerprint)).not.toContain('fp-job-1');
    expect(issues.map((i) => [i.check_name, i.severity])).toEqual([
      ['yaml-syntax', 'major'],
      ['mtls-strict', 'minor'],
      ['sidecar-resources', 'info'],
      ['mtls-strict', 'major'],
      ['mtls-strict', 'major'],
      ['sidecar-resources', 'minor'],
    ]);
    expect(issues[3]).toEqual({
      description: expect.stringContaining('Zürich→東京 🚀') as unknown,
      check_name: 'mtls-strict',
      fingerprint: 'fp-pa-1',
      severity: 'major',
      location: { path: 'k8s/mesh/peer-auth.yaml', lines: { begin: 14 } },
    });
  });

  it('keeps fingerprints unique, disambiguating duplicates deterministically', () => {
    const input = makeInput();
    const dup = input.findings.map((f) => ({ ...f, fingerprint: 'same', file: `./${f.file}` }));
    const out = JSON.parse(renderCodeQuality({ ...input, findings: dup })) as CodeQualityIssue[];
    const fps = out.map((i) => i.fingerprint);
    expect(new Set(fps).size).toBe(fps.length);
    expect(fps[0]).toBe('same');
    expect(renderCodeQuality({ ...input, findings: dup })).toBe(renderCodeQuality({ ...input, findings: dup }));
    expect(out.every((i) => !i.location.path.startsWith('./'))).toBe(true);
    expect(validate(out)).toBe(true);
  });

  it('is an empty array when clean, with no BOM, and deterministic', () => {
    expect(renderCodeQuality(makeInput({ findings: [] }))).toBe('[]\n');
    expect(text.charCodeAt(0)).toBe('['.charCodeAt(0));
    expect(renderCodeQuality(makeInput())).toBe(text);
  });
});
