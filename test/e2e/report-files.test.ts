import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMeshguard } from '../helpers/cli.js';

const BAD = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {istio-injection: "true"}\n';

describe('report files and stdout', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'meshguard-reports-'));
    writeFileSync(path.join(dir, 'ns.yaml'), BAD);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a report through a temporary file and a rename: no temporary file is left, the report is whole', async () => {
    const run = await runMeshguard(['check', 'ns.yaml', '--report', 'sarif=out/meshguard.sarif'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(readdirSync(path.join(dir, 'out'))).toEqual(['meshguard.sarif']);
    expect(JSON.parse(readFileSync(path.join(dir, 'out', 'meshguard.sarif'), 'utf8')).version).toBe('2.1.0');
  });

  it('prints the findings, then fails with one clear line, when a report path cannot be written', async () => {
    writeFileSync(path.join(dir, 'file'), 'not a directory');
    const run = await runMeshguard(['check', 'ns.yaml', '--format', 'json', '--report', 'sarif=file/meshguard.sarif'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toContain('injection-labels');
    expect(run.stderr.trimEnd().split('\n')).toEqual([`meshguard: cannot write report ${path.join(dir, 'file/meshguard.sarif')}: not a valid file path (a part of it is a file, or it is a directory)`]);
  });

  it('sends Rego print() output to stderr, keeping --format json parseable', async () => {
    mkdirSync(path.join(dir, 'policy'));
    writeFileSync(path.join(dir, 'policy', 'p.rego'), 'package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tprint("looking at", input.kind)\n\tinput.kind == "Nothing"\n\tmsg := "x"\n}\n');
    const run = await runMeshguard(['check', 'ns.yaml', '--format', 'json', '--policy', 'policy/'], { cwd: dir });
    expect(() => JSON.parse(run.stdout)).not.toThrow();
    expect(run.stderr).toContain('looking at Namespace');
  });
});
