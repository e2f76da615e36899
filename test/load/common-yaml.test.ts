import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { FINDINGS_HEAVY_SCALE, generateCrdBundle, generateTree, prng } from '../../src/bench/generate.js';
import { parseCommonYaml } from '../../src/load/common-yaml.js';
import { mirrorGitDir } from '../helpers/mirror.js';
import { tempDir } from '../helpers/tmp.js';
import { compareWithReference, type Verdict } from './common-yaml-compare.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return entry === 'node_modules' ? [] : yamlFiles(full);
    return /\.ya?ml$/.test(entry) ? [full] : [];
  });
}

interface Tally {
  total: number;
  bail: number;
  equal: number;
  differs: string[];
}

function tally(texts: Iterable<[string, string]>): Tally {
  const result: Tally = { total: 0, bail: 0, equal: 0, differs: [] };
  for (const [name, text] of texts) {
    result.total++;
    const verdict: Verdict = compareWithReference(text);
    if (verdict.kind === 'bail') result.bail++;
    else if (verdict.kind === 'equal') result.equal++;
    else result.differs.push(`${name}: ${verdict.where}`);
  }
  return result;
}

function report(corpus: string, t: Tally): void {
  // The bail rate is the figure that says whether the fast path is worth having on this corpus.
  console.log(`common-yaml ${corpus}: ${t.total} files, ${t.equal} read as js-yaml reads them, ${t.bail} left to js-yaml (${((100 * t.bail) / t.total).toFixed(1)}%)`);
}

function* filesAsTexts(files: string[]): Generator<[string, string]> {
  for (const file of files) {
    const bytes = readFileSync(file);
    if (!bytes.includes(0)) yield [path.relative(ROOT, file), bytes.toString('utf8')];
  }
}

/** Every YAML blob of a snapshot's HEAD, through one `git cat-file --batch`. */
function* mirroredTexts(gitDir: string): Generator<[string, string]> {
  const listing = spawnSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', 'HEAD'], { maxBuffer: 256 * 1024 * 1024 }).stdout.toString();
  const blobs = [...listing.matchAll(/^\d+ blob ([0-9a-f]+)\t(.+\.ya?ml)$/gm)].map((m) => ({ id: m[1]!, file: m[2]! }));
  const out = spawnSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { input: blobs.map((b) => b.id).join('\n') + '\n', maxBuffer: 1024 * 1024 * 1024 }).stdout;
  let at = 0;
  for (const blob of blobs) {
    const headerEnd = out.indexOf(10, at);
    const header = out.subarray(at, headerEnd).toString();
    if (header.endsWith(' missing')) {
      at = headerEnd + 1;
      continue;
    }
    const size = Number(header.split(' ')[2]);
    const bytes = out.subarray(headerEnd + 1, headerEnd + 1 + size);
    at = headerEnd + 1 + size + 1;
    if (!bytes.includes(0)) yield [blob.file, bytes.toString('utf8')];
  }
}

describe('the purpose-built YAML reader gives up or equals js-yaml and its listener', () => {
  it('on every YAML file of fixtures/ and test/', () => {
    const t = tally(filesAsTexts([...yamlFiles(path.join(ROOT, 'fixtures')), ...yamlFiles(path.join(ROOT, 'test'))]));
    report('fixtures+test', t);
    expect(t.differs).toEqual([]);
    expect(t.equal).toBeGreaterThan(t.total / 2);
  });

  it('on the bench shapes (tree, findings-heavy tree, CRD bundle), with no file left to js-yaml', async () => {
    const dir = tempDir();
    await generateTree(path.join(dir, 'tree'));
    await generateTree(path.join(dir, 'heavy'), FINDINGS_HEAVY_SCALE);
    await generateCrdBundle(path.join(dir, 'bundle.yaml'));
    const t = tally(filesAsTexts(yamlFiles(dir)));
    report('bench shapes', t);
    expect(t.differs).toEqual([]);
    expect(t.bail).toBe(0);
  }, 120_000);

  for (const repo of ['istio/istio', 'kubeflow/manifests', 'open-policy-agent/gatekeeper-library', 'open-policy-agent/conftest', 'aquasecurity/trivy-checks', 'GoogleCloudPlatform/microservices-demo', 'kiali/demos']) {
    const gitDir = mirrorGitDir(repo);
    it.skipIf(!gitDir)(`on every YAML file of ${repo} (snapshot on this machine)`, () => {
      const t = tally(mirroredTexts(gitDir!));
      report(repo, t);
      expect(t.differs).toEqual([]);
    }, 300_000);
  }
});

describe('what the reader takes', () => {
  const read = (text: string) => parseCommonYaml(text)?.values;
  const same = (text: string) => expect(compareWithReference(text)).toEqual({ kind: 'equal' });

  it('resolves plain scalars with js-yaml CORE types, keeps everything else a string', () => {
    const text = 'a: [1, -0, 0x1F, 0o17, 0b11, 1_000, 1e3, .5, -.inf, .NaN, ~, null, Null, "", true, False, yes, 012, 9007199254740993, 1.0, +1, 0.0]\n';
    same(text);
    const [doc] = read(text) as [{ a: unknown[] }];
    expect(doc.a.slice(0, 10)).toEqual([1, 0, 31, 15, 3, '1_000', 1000, 0.5, -Infinity, Number.NaN]);
    expect(Object.is(doc.a[1], 0)).toBe(true);
    expect(doc.a.slice(10)).toEqual([null, null, null, '', true, false, 'yes', 12, 9007199254740992, 1, 1, 0]);
  });

  it('reads block scalars with every chomping and indentation indicator', () => {
    for (const header of ['|', '|-', '|+', '>', '>-', '>+', '|2', '>1-', '|+2', '|-1']) {
      for (const body of ['  a\n  b\n', '  a\n\n  b\n\n\n', '  a\n   more\n  b\n    c\n\n    d\n  e\n', '\n\n  a\n', '  a\n  \n   \n  b\n', '    x\n  # not a comment\n']) {
        same(`k: ${header}\n${body}next: 1\n`);
        same(`- ${header}\n${body}- 2\n`);
        same(`k: ${header}\n${body}`);
      }
    }
  });

  it('reads compact sequences and mappings, quoted keys, comments and document markers', () => {
    same('# head\n---\na:\n- x\n- y: 1\n  z: [2, "3"]\n  # inside\nb: {c: d, "e": \'f\'\'g\'}\n---\n- - n\n  - m\n- "q\\t\\u00e9\\U0001F600": 1\n');
    same('apiVersion: v1\nkind: List\nitems:\n  - a: 1\n\n    b:\n  - c # trailing\n# after\n');
    same('a: 1\n---\n');
    same('---\n# Source: chart/templates/crd.yaml\n---\na: 1\n---\n---\n\n---\nb: 2\n');
    // helm template output: a value on the line after its key.
    same('securityContext:\n  {}\nargs:\n  [a, b]\nname:\n  web\n  server\nq:\n  "x"\nb:\n  |\n   text\nitems:\n-\n  k: v\n-\n  - n\n');
  });

  it('folds multi-line plain and quoted scalars as js-yaml does', () => {
    for (const text of [
      'a: b\n  c\n',
      'a: one two\n   three\n\n  four   \n\n\n  five # end\nb: 1\n',
      'a: b\n  # a comment ends it\nc: d\n',
      '- item\n  goes on\n  - still plain\n- x\n',
      '- k: v\n    more\n  k2: v2\n',
      "a: 'one\n  two ''q''\n\n  three  \n four'\nb: 'x'\n",
      "- 'a\n\n\n  b' # c\n",
      'a: "one\\t \n  two \\\n    three\\\n\n  four\n\n five \\u00e9"\n',
      'description: upper limit for the number of pods that can be set\n  by the autoscaler; cannot be smaller than MinReplicas\n',
    ]) {
      same(text);
    }
    expect(read('a: one two\n   three\n\n  four   \n\n\n  five # end\nb: 1\n')).toEqual([{ a: 'one two three\nfour\n\nfive', b: 1 }]);
    expect(read("a: 'one\n  two ''q''\n\n  three  \n four'\n")).toEqual([{ a: "one two 'q'\nthree four" }]);
  });

  it('gives up on what it cannot be certain of', () => {
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      '<<: {a: 1}\n',
      'a:\n\t- b\n',
      'a: 1\r\nb: 2\r\n',
      'a: 1\na: 2\n',
      '? a\n: b\n',
      'a: "multi\n---\n  line"\n',
      '- "x\n  y": z\n',
      '%YAML 1.2\n---\na: 1\n',
      '__proto__: 1\n',
      'plain scalar document\n',
      'a: [1,\n  2]\n',
      '- \n- a\n',
    ]) {
      expect(parseCommonYaml(text), JSON.stringify(text)).toBeUndefined();
    }
  });
});

/**
 * Generated documents: random values dumped by js-yaml in random styles, then mutated line by line
 * (comments, blank lines, markers, indentation, characters that change meaning). Whatever the text, the
 * reader must give up or agree; on the unmutated dumps it must mostly agree, or the test proves nothing.
 */
describe('generated documents', () => {
  const random = prng(20261203);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const words = ['a', 'name', 'app.kubernetes.io/name', 'x y', '-', '1', '0x10', 'true', 'null', '~', '', ' lead', 'trail ', 'a: b', 'a #b', '#c', "it's", 'say "hi"', 'é', '😀', 'tab\there', 'line\nbreak', 'back\\slash', '[x]', '{y}', '- z', '? q', '*', '&', '!t', '%', '@', '`', '|', '>', '1e3', '.inf', '-0', '012', '---', '...'];
  function value(depth: number): unknown {
    const r = random();
    if (depth > 3 || r < 0.45) {
      const s = random();
      if (s < 0.55) return pick(words) + (random() < 0.3 ? pick(words) : '');
      if (s < 0.75) return Math.floor(random() * 2000) - 1000;
      if (s < 0.82) return random() * 100;
      if (s < 0.9) return random() < 0.5;
      if (s < 0.95) return null;
      return 'long '.repeat(Math.floor(random() * 30));
    }
    if (r < 0.75) {
      const object: Record<string, unknown> = {};
      const n = Math.floor(random() * 5);
      for (let i = 0; i < n; i++) object[pick(words) + (random() < 0.5 ? String(i) : '')] = value(depth + 1);
      return object;
    }
    return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
  }
  function dump(v: unknown): string {
    return jsyaml.dump(v, {
      flowLevel: random() < 0.3 ? Math.floor(random() * 3) : -1,
      lineWidth: random() < 0.3 ? 20 : -1,
      indent: pick([2, 2, 4]),
      noArrayIndent: random() < 0.4,
      quotingType: random() < 0.5 ? "'" : '"',
      forceQuotes: random() < 0.1,
      noRefs: true,
      schema: jsyaml.CORE_SCHEMA,
    });
  }
  const mutations: ((lines: string[], i: number) => void)[] = [
    (l, i) => l.splice(i, 0, '# comment'),
    (l, i) => l.splice(i, 0, ' '.repeat(Math.floor(random() * 6)) + '# indented comment'),
    (l, i) => l.splice(i, 0, ''),
    (l, i) => l.splice(i, 0, '---'),
    (l, i) => l.splice(i, 0, '--- # marker'),
    (l, i) => (l[i] = ' ' + l[i]),
    (l, i) => (l[i] = l[i]!.replace(/^ /, '')),
    (l, i) => (l[i] = l[i] + ' # trailing'),
    (l, i) => (l[i] = l[i] + '   '),
    (l, i) => (l[i] = l[i] + pick([':', ' :', ' #', '\t', '"', "'", ']', '}', ',', ' - x', ': y'])),
    (l, i) => (l[i] = l[i]!.replace(/:( |$)/, ':$1$1')),
    (l, i) => (l[i] = l[i]!.replace(/- /, '-  ')),
    (l, i) => {
      const at = Math.floor(random() * (l[i]!.length + 1));
      l[i] = l[i]!.slice(0, at) + pick(['\t', ' ', '#', ':', '-', '"', "'", '[', '{', '&a ', '*a', '!x ', '|', '>', '? ', '%']) + l[i]!.slice(at);
    },
    (l, i) => (l[i] = l[i]!.slice(0, Math.max(0, l[i]!.length - 1))),
    (l, i) => l.splice(i, 1),
    (l, i) => {
      // A line broken in two: a multi-line scalar, or a structure error, depending on the indent.
      const at = Math.floor(random() * (l[i]!.length + 1));
      l.splice(i, 1, l[i]!.slice(0, at), ' '.repeat(Math.floor(random() * 9)) + l[i]!.slice(at));
    },
    (l, i) => l.splice(i, 0, ' '.repeat(Math.floor(random() * 9)) + pick(words)),
  ];

  it('never disagree with js-yaml and its listener', () => {
    let equalDumps = 0;
    const dumps = Number(process.env.CY_DUMPS ?? 1500);
    const differs: string[] = [];
    for (let n = 0; n < dumps; n++) {
      const docs = Array.from({ length: 1 + Math.floor(random() * 3) }, () => dump({ [pick(words) || 'k']: value(0), kind: pick(['Deployment', 'Service']) }));
      const text = docs.map((d, i) => (i > 0 || random() < 0.3 ? '---\n' : '') + d).join('') + (random() < 0.2 ? '---\n' : '');
      const verdict = compareWithReference(text);
      if (verdict.kind === 'equal') equalDumps++;
      if (verdict.kind === 'differs') differs.push(`${JSON.stringify(text)}: ${verdict.where}`);
      for (let m = 0; m < 4; m++) {
        const lines = text.split('\n');
        for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
          if (lines.length === 0) lines.push('');
          pick(mutations)(lines, Math.floor(random() * lines.length));
        }
        const mutated = random() < 0.1 ? lines.join('\n').replace(/\n$/, '') : lines.join('\n');
        const mutatedVerdict = compareWithReference(mutated);
        if (mutatedVerdict.kind === 'differs') differs.push(`${JSON.stringify(mutated)}: ${mutatedVerdict.where}`);
      }
    }
    expect(differs.slice(0, 5)).toEqual([]);
    expect(equalDumps).toBeGreaterThan(dumps / 4);
  }, 120_000);
});
