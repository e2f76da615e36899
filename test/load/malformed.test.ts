import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { tempDir, tempTree } from '../helpers/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function findingsFor(file: string) {
  const result = await runCheck({ root: ROOT, inputs: [`fixtures/malformed/${file}`], config: DEFAULT_CONFIG, today: '2026-11-26' });
  return result.findings.map((f) => ({ rule: `${f.ruleId}/${f.messageId}`, at: `${f.line}:${f.column}`, severity: f.severity, message: f.message }));
}

/** Ugly input becomes a located finding and the run goes on: never a crash, a hang or a stack trace. */
describe('malformed input', () => {
  it.each([
    ['syntax-error.yaml', 'yaml-syntax/BAD_INDENT', '7:3'],
    ['duplicate-key.yaml', 'yaml-syntax/DUPLICATE_KEY', '7:3'],
    ['tabs.yaml', 'yaml-syntax/TAB_AS_INDENT', '4:1'],
    ['unknown-tag.yaml', 'yaml-syntax/TAG_RESOLVE_FAILED', '6:8'],
    ['alias-bomb.yaml', 'yaml-syntax/ALIAS_EXPANSION', '1:1'],
    ['deep-nesting.yaml', 'yaml-syntax/RESOURCE_EXHAUSTION', '5:'],
    ['binary.yaml', 'input-unreadable/binary', '1:1'],
    ['not-utf8.yaml', 'input-unreadable/notUtf8', '1:1'],
    ['helm-template.yaml', 'helm-template/unrendered', '4:9'],
  ])('%s -> %s at %s', async (file, rule, at) => {
    const findings = await findingsFor(file);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.rule).toBe(rule);
    // The parser gives up on deep nesting where its stack runs out: only the line is stable.
    expect(findings[0]!.at.startsWith(at)).toBe(true);
    expect(findings[0]!.message).not.toMatch(/\n|at .*\.js:\d+/);
  });

  it('a broken document does not hide the others in its file', async () => {
    const findings = await findingsFor('multi-doc-partial.yaml');
    expect(findings.map((f) => `${f.rule}@${f.at}`)).toEqual(['yaml-syntax/DUPLICATE_KEY@10:3', 'injection-labels/badNamespaceValue@17:5']);
    expect(findings[0]!.message).toContain('(document 2)');
  });

  it('a BOM does not shift columns, CRLF does not shift lines', async () => {
    expect((await findingsFor('bom.yaml'))[0]).toMatchObject({ rule: 'injection-labels/badNamespaceValue', at: '6:5' });
    expect((await findingsFor('crlf.yaml'))[0]).toMatchObject({ rule: 'injection-labels/badNamespaceValue', at: '6:5' });
  });

  it('empty documents and comment-only files are skipped quietly', async () => {
    expect(await findingsFor('empty-docs.yaml')).toEqual([]);
  });

  it('a file over the size cap is reported without being read', async () => {
    const dir = tempDir('meshguard-huge-');
    const file = path.join(dir, 'huge.yaml');
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n${'  k: v\n'.repeat(200_000)}`);
    const result = await runCheck({ root: dir, inputs: ['huge.yaml'], config: { ...DEFAULT_CONFIG, maxFileBytes: 1024 * 1024 } });
    expect(result.findings.map((f) => `${f.ruleId}/${f.messageId}`)).toEqual(['input-unreadable/tooLarge']);
    expect(result.findings[0]!.message).toContain('over the 1.0 MiB limit');
  });

  it('the whole malformed set is checked in one run', async () => {
    const result = await runCheck({ root: ROOT, inputs: ['fixtures/malformed'], config: DEFAULT_CONFIG, today: '2026-11-26' });
    const files = new Set(result.findings.map((f) => f.file));
    expect(files.size).toBe(12);
  });
});

describe('nesting too deep to parse', () => {
  it('is one finding per document, at the start of its line, however warm the parser is', async () => {
    // A file with tabs goes through `yaml` first: warm, it caught the overflow at each collection it unwound
    // through, 35 findings at columns 804-838 of a 20,000-deep flow sequence.
    const root = tempTree({ 'a-tabs.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n', 'deep.yaml': `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n` }, 'meshguard-deep-');
    const result = await runCheck({ root, inputs: ['.'], config: DEFAULT_CONFIG, today: '2026-11-26' });
    const deep = result.findings.filter((f) => f.file === 'deep.yaml');
    expect(deep.map((f) => `${f.ruleId}/${f.messageId} ${f.line}:${f.column}`)).toEqual(['yaml-syntax/RESOURCE_EXHAUSTION 1:1']);
  });
});
