import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { generateTree, prng } from '../../src/bench/generate.js';
import { tempDir } from '../helpers/tmp.js';
import { editFile, yamlFilesOf } from '../helpers/tree-edits.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RESULTS = '.meshguard-cache/parse.json';

/** Everything a report says of a finding, positions and related locations included. */
const check = async (dir: string, cached: boolean): Promise<string[]> => {
  const result = await runCheck({ root: dir, inputs: ['.'], config: DEFAULT_CONFIG, today: '2026-11-26', ...(cached ? { cacheFile: RESULTS } : {}) });
  return result.findings.map((f) => JSON.stringify(f));
};

const edit = editFile;

const filesOf = yamlFilesOf;

/**
 * The rule-result cache replays a (rule, resource) result when the resource's value and the values of
 * everything the rule read are unchanged. Each edit below changes what some *other* resource's findings depend
 * on: a cached run must still report exactly what an uncached run reports.
 */
describe('rule results cached between runs', () => {
  it('equal an uncached run after edits that ripple across files, namespaces and kinds', async () => {
    const dir = tempDir('meshguard-results-');
    cpSync(path.join(ROOT, 'fixtures/platform/bad'), dir, { recursive: true });
    expect(await check(dir, true)).toEqual(await check(dir, false));
    expect(await check(dir, true)).toEqual(await check(dir, false));
    const ledgerDeployment = (): string => readFileSync(path.join(dir, 'ledger/ledger.yaml'), 'utf8').split(/^---$/m).find((d) => /^kind: Deployment$/m.test(d))!;
    const edits: Array<[string, string, (t: string) => string]> = [
      // A LimitRange changes the pods every quota of the namespace counts (other documents, same file).
      ['batch/namespace.yaml', 'LimitRange', (t) => t.replace(/maxLimitRequestRatio:[^\n]*\n/, '')],
      // A Namespace label changes injection for every workload of the namespace (other files).
      ['ledger/namespace.yaml', 'Namespace', (t) => t.replace('istio-injection: enabled', 'istio-injection: disabled')],
      // The mesh-wide PeerAuthentication decides every namespace's mTLS comparison.
      ['istio-system/mesh.yaml', 'PeerAuthentication', (t) => t.replace('mode: STRICT', 'mode: PERMISSIVE')],
      // A file disappears: what it held is gone for everyone who read it.
      ['search/bulkheads.yaml', 'NetworkPolicy', () => ''],
      // A copy of an object in a file loaded earlier becomes its definition: the one in ledger/ is now the duplicate.
      ['aaa/copy.yaml', 'a copy of Deployment ledger', () => ledgerDeployment()],
      // Lines move above that copy: the duplicate's message names the copy's line, a position and no value.
      ['aaa/copy.yaml', 'comments above the copy', (t) => `# moved\n# down\n${t}`],
      // A workload moves to another namespace: both namespaces' quotas and policies see it change.
      ['checkout/api.yaml', 'a Deployment moved to namespace payments', (t) => t.replace(/^(kind: Deployment\nmetadata:\n  name: checkout-api\n  namespace:) checkout$/m, '$1 payments')],
      // A Service port renamed: the DestinationRules and mTLS settings toward it are judged again.
      ['ledger/ledger.yaml', 'Service port', (t) => t.replace(/targetport/, 'targetPort')],
    ];
    let before = await check(dir, false);
    for (const [file, what, change] of edits) {
      edit(dir, file, change);
      const uncached = await check(dir, false);
      expect(uncached, `${what} in ${file} must change some finding, or the test proves nothing`).not.toEqual(before);
      expect(await check(dir, true), `after ${what} in ${file}`).toEqual(uncached);
      before = uncached;
    }
    rmSync(path.join(dir, 'checkout/payment-provider.yaml'));
    expect(await check(dir, true), 'after deleting a file').toEqual(await check(dir, false));
  });

  it('replays every result after an edit that changes no value (comments, layout)', async () => {
    const dir = tempDir('meshguard-results-');
    cpSync(path.join(ROOT, 'fixtures/platform/bad'), dir, { recursive: true });
    const uncached = await check(dir, false);
    expect(await check(dir, true)).toEqual(uncached);
    const results = path.join(dir, '.meshguard-cache/parse.results.json');
    const stored = readFileSync(results, 'utf8');
    // At the end of a file without findings: the findings elsewhere keep their lines.
    edit(dir, 'ledger/ledger.yaml', (t) => `${t}\n# a comment\n`);
    expect(await check(dir, true)).toEqual(uncached);
    // Nothing was recomputed, so nothing was written.
    expect(readFileSync(results, 'utf8')).toBe(stored);
  });

  /**
   * Random edits of the kinds users make (a value changed to another value of the same key seen in the tree,
   * a comment above a document, a document deleted or copied to another file, a file deleted), each followed by
   * a cached and an uncached run of the same tree: their findings must be equal every time.
   */
  for (const [name, seed, prepare] of [
    ['the platform fixture', 1, (dir: string) => cpSync(path.join(ROOT, 'fixtures/platform/bad'), dir, { recursive: true })],
    ['a generated tree', 7, (dir: string) => generateTree(dir, { namespaces: 3, services: 9, cronJobs: 3, externalServices: 2, seed: 5, findingsEverywhere: true })],
  ] as const) {
    it(`equal an uncached run after each of 30 random edits of ${name}`, { timeout: 120_000 }, async () => {
      const dir = tempDir('meshguard-results-random-');
      await prepare(dir);
      const random = prng(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const SCALAR = /^(\s*(?:- )?)([\w./-]+): ([^\s{}[\]#'"|>&*!][^{}[\]#\n]*)$/gm;
      const pool = new Map<string, Set<string>>();
      for (const file of filesOf(dir)) {
        for (const [, , key, value] of readFileSync(path.join(dir, file), 'utf8').matchAll(SCALAR)) pool.set(key!, (pool.get(key!) ?? new Set()).add(value!));
      }
      await check(dir, true);
      const done: string[] = [];
      for (let step = 0; step < 30; step++) {
        const files = filesOf(dir);
        const file = pick(files);
        const text = readFileSync(path.join(dir, file), 'utf8');
        const documents = text.split(/^---\n/m);
        const kind = pick(['value', 'value', 'value', 'value', 'comment', 'delete-document', 'copy-document', 'delete-file']);
        if (kind === 'value') {
          const lines = [...text.matchAll(SCALAR)];
          if (lines.length === 0) continue;
          const line = pick(lines);
          const value = pick([...pool.get(line[2]!)!]);
          writeFileSync(path.join(dir, file), text.slice(0, line.index) + `${line[1]}${line[2]}: ${value}` + text.slice(line.index! + line[0].length));
          done.push(`${file}: ${line[2]}: ${line[3]} -> ${value}`);
        } else if (kind === 'comment') {
          const at = Math.floor(random() * documents.length);
          documents[at] = `# comment ${step}\n${documents[at]}`;
          writeFileSync(path.join(dir, file), documents.join('---\n'));
          done.push(`${file}: comment above document ${at}`);
        } else if (kind === 'delete-document' && documents.length > 1) {
          const at = Math.floor(random() * documents.length);
          documents.splice(at, 1);
          writeFileSync(path.join(dir, file), documents.join('---\n'));
          done.push(`${file}: document ${at} deleted`);
        } else if (kind === 'copy-document') {
          const target = pick(files);
          const document = pick(documents).replace(/^(?!---)/, '---\n');
          writeFileSync(path.join(dir, target), `${readFileSync(path.join(dir, target), 'utf8').replace(/\n?$/, '\n')}${document}`);
          done.push(`${file}: a document copied to ${target}`);
        } else if (kind === 'delete-file' && files.length > 3) {
          rmSync(path.join(dir, file));
          done.push(`${file}: deleted`);
        } else {
          continue;
        }
        const uncached = await check(dir, false);
        expect(await check(dir, true), `seed ${seed}, after:\n${done.join('\n')}`).toEqual(uncached);
      }
      expect(done.length, 'most steps must edit something').toBeGreaterThan(20);
    });
  }
});
