// conftest's builtins (parse_config, parse_config_file, parse_combined_config_files), checked against
// conftest's documented behaviour (docs/index.md, builtins/parse_config.go, parser/yaml): paths resolve
// against the calling Rego file's directory, combined files are [{path, contents}] sorted by path with
// one entry per YAML document, and file reads stay below the directory the host allows.
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalQuery, type FileAccess } from '../../src/rego/index.js';
import { runPolicyTests } from '../../src/policy/test-runner.js';
import { tempTree } from '../helpers/tmp.js';

async function value(expr: string, opts: { strict?: boolean; files?: FileAccess; file?: string } = {}): Promise<unknown> {
  const source = `package t\nimport rego.v1\nx := ${expr}\n`;
  const rows = await evalQuery('x = data.t.x', [{ path: opts.file ?? 't.rego', source }], { strictBuiltinErrors: opts.strict, files: opts.files });
  return rows.length ? rows[0]!.x : undefined;
}

const tree = (files: Record<string, string>): string => tempTree(files, 'meshguard-conftest-builtins-');

describe('parse_config', () => {
  it('parses YAML and JSON text', async () => {
    expect(await value('parse_config("yaml", "kind: Service\\nspec:\\n  ports: [80, 443]\\n")')).toEqual({ kind: 'Service', spec: { ports: [80, 443] } });
    expect(await value('parse_config("json", `{"a": [1, "b", null]}`)')).toEqual({ a: [1, 'b', null] });
  });
  it('gives the array of documents of a YAML stream cut at "---" lines (an empty one is null)', async () => {
    expect(await value('parse_config("yaml", "a: 1\\n---\\nb: 2\\n")')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(await value('parse_config("yaml", "a: 1\\n---\\n")')).toEqual([{ a: 1 }, null]);
    // A leading marker is not preceded by a newline: one document, as conftest's parser reads it.
    expect(await value('parse_config("yaml", "---\\na: 1\\n")')).toEqual({ a: 1 });
  });
  it("names conftest's other parsers as unsupported and unknown ones as unknown (undefined unless strict)", async () => {
    await expect(value('parse_config("hcl2", "x = 1")', { strict: true })).rejects.toThrow(/parse_config: create config parser: parser hcl2 is not supported by meshguard \(supported: yaml, json\)/);
    await expect(value('parse_config("nope", "x")', { strict: true })).rejects.toThrow(/parse_config: create config parser: unknown parser: nope/);
    expect(await value('parse_config("hcl2", "x = 1")')).toBeUndefined();
    await expect(value('parse_config("json", "{")', { strict: true })).rejects.toThrow(/parse_config: unmarshal config: unmarshal json:/);
  });
});

describe('parse_config_file and parse_combined_config_files', () => {
  const files = {
    'policy/p.rego': '',
    'policy/deploy.yaml': 'kind: Deployment\nmetadata:\n  name: web\n',
    'policy/stream.yaml': 'kind: Service\n---\nkind: ConfigMap\n',
    'policy/list.json': '\ufeff[{"kind": "Pod"}, {"kind": "Job"}]',
    'shared/ns.yml': 'kind: Namespace\n',
  };

  it("reads a path relative to the calling file's directory", async () => {
    const root = tree(files);
    expect(await value('parse_config_file("deploy.yaml")', { files: { root }, file: 'policy/p.rego' })).toEqual({ kind: 'Deployment', metadata: { name: 'web' } });
    expect(await value('parse_config_file("../shared/ns.yml")', { files: { root }, file: 'policy/p.rego' })).toEqual({ kind: 'Namespace' });
    expect(await value('parse_config_file("stream.yaml")', { files: { root }, file: 'policy/p.rego' })).toEqual([{ kind: 'Service' }, { kind: 'ConfigMap' }]);
  });

  it('combines files as [{path, contents}], one entry per document, sorted by path, a file named twice once', async () => {
    const root = tree(files);
    expect(await value('parse_combined_config_files(["stream.yaml", "deploy.yaml", "list.json", "deploy.yaml"])', { files: { root }, file: 'policy/p.rego' })).toEqual([
      { path: 'policy/deploy.yaml', contents: { kind: 'Deployment', metadata: { name: 'web' } } },
      { path: 'policy/list.json', contents: { kind: 'Pod' } },
      { path: 'policy/list.json', contents: { kind: 'Job' } },
      { path: 'policy/stream.yaml', contents: { kind: 'Service' } },
      { path: 'policy/stream.yaml', contents: { kind: 'ConfigMap' } },
    ]);
    expect(await value('parse_combined_config_files([])', { files: { root }, file: 'policy/p.rego' })).toBeNull();
  });

  it('makes a missing file, an unsupported format or a non-string path an error (undefined unless strict)', async () => {
    const root = tree(files);
    const at = { files: { root }, file: 'policy/p.rego' };
    expect(await value('parse_config_file("absent.yaml")', at)).toBeUndefined();
    await expect(value('parse_config_file("absent.yaml")', { ...at, strict: true })).rejects.toThrow(/read config file policy\/absent.yaml: open policy\/absent.yaml: no such file or directory/);
    await expect(value('parse_config_file("main.tf")', { ...at, strict: true })).rejects.toThrow(/create config parser: new: the format of policy\/main.tf is not supported by meshguard/);
    await expect(value('parse_combined_config_files(["deploy.yaml", 3])', { ...at, strict: true })).rejects.toThrow(/slice index 1 is not expected type string, got number/);
  });

  it('refuses a path that leaves the allowed directory, lexically or through a symbolic link, in every mode', async () => {
    const outside = tree({ 'secret.yaml': 'token: x\n' });
    const root = tree(files);
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, 'policy', 'link.yaml'));
    const at = { files: { root }, file: 'policy/p.rego' };
    await expect(value(`parse_config_file("../../${path.basename(outside)}/secret.yaml")`, at)).rejects.toThrow(/parse_config_file: .* is outside the working directory and the policy paths/);
    await expect(value('parse_config_file("link.yaml")', at)).rejects.toThrow(/is outside the working directory/);
    // conftest joins an absolute argument to the caller's directory (Go's filepath.Join): policy/deploy.yaml.
    expect(await value('parse_config_file("/deploy.yaml")', at)).toEqual({ kind: 'Deployment', metadata: { name: 'web' } });
    await expect(value('parse_combined_config_files(["link.yaml"])', at)).rejects.toThrow(/is outside the working directory/);
  });

  it('reads nothing where the host allows no files (check, the webhook, policy eval)', async () => {
    await expect(value('parse_config_file("deploy.yaml")')).rejects.toThrow(/parse_config_file: reads files, which meshguard allows only in `meshguard policy test`/);
  });

  it('can be replaced by a value, a function or a builtin with `with`, which get the Rego arguments only', async () => {
    const source = 'package t\nimport rego.v1\nmockf(p) := {"p": p}\n'
      + 'x := v if { v := parse_config_file("a.yaml") with parse_config_file as mockf }\n'
      + 'y := v if { v := parse_config_file("a.yaml") with parse_config_file as {"v": 1} }\n'
      + 'z := v if { v := parse_combined_config_files("a: 1") with parse_combined_config_files as yaml.unmarshal }\n';
    const rows = await evalQuery('x = data.t.x; y = data.t.y; z = data.t.z', [{ path: 'p/t.rego', source }], { strictBuiltinErrors: true });
    expect(rows).toEqual([{ x: { p: 'a.yaml' }, y: { v: 1 }, z: { a: 1 } }]);
  });

  it('lets policy test read below the policy paths it was given, even outside the working directory', async () => {
    const suite = tree({
      'p/deny_test.rego': 'package main\nimport rego.v1\ntest_kind if { parse_config_file("fixture.yaml").kind == "Pod" }\ntest_escape if { parse_config_file("../../secret.yaml") }\n',
      'p/fixture.yaml': 'kind: Pod\n',
    });
    const cwd = tree({ 'unrelated.txt': '' });
    const run = await runPolicyTests([path.join(suite, 'p')], undefined, cwd);
    expect(run.compileError).toBeUndefined();
    const outcome = Object.fromEntries(run.results.map((r) => [r.name, [r.outcome, r.error ?? '']]));
    expect(outcome['data.main.test_kind']).toEqual(['pass', '']);
    expect(outcome['data.main.test_escape']![0]).toBe('error');
    expect(outcome['data.main.test_escape']![1]).toMatch(/outside the working directory and the policy paths/);
  });

  it("runs a conftest-style unit test under policy test, with paths relative to the test's file", async () => {
    const root = tree({
      'suite/deny.rego': 'package main\nimport rego.v1\ndeny contains msg if { some d in input; d.contents.kind == "Deployment"; not d.contents.spec.replicas; msg := sprintf("%s: no replicas", [d.path]) }\n',
      'suite/deny_test.rego': 'package main\nimport rego.v1\ntest_combined if { deny == {"suite/a.yaml: no replicas"} with input as parse_combined_config_files(["a.yaml", "b.yaml"]) }\ntest_single if { parse_config_file("b.yaml").spec.replicas == 2 }\n',
      'suite/a.yaml': 'kind: Deployment\n',
      'suite/b.yaml': 'kind: Deployment\nspec:\n  replicas: 2\n',
    });
    const run = await runPolicyTests(['suite'], undefined, root);
    expect(run.compileError).toBeUndefined();
    expect(run.results.map((r) => [r.name, r.outcome])).toEqual([['data.main.test_combined', 'pass'], ['data.main.test_single', 'pass']]);
  });
});
