import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The rule-result cache replays a (rule, resource) result when the resource's file and everything the
 * rule read are unchanged. Each edit below changes what some *other* file's findings depend on: a cached
 * run must still report exactly what an uncached run reports.
 */
describe('rule results cached between runs', () => {
  it('equal an uncached run after edits that ripple across files and namespaces', async () => {
    const dir = tempDir('meshguard-results-');
    cpSync(path.join(ROOT, 'fixtures/platform/bad'), dir, { recursive: true });
    const check = async (cached: boolean) => {
      const result = await runCheck({ root: dir, inputs: ['.'], config: DEFAULT_CONFIG, today: '2026-11-26', ...(cached ? { cacheFile: '.meshguard-cache/parse.json' } : {}) });
      return result.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}/${f.messageId} ${f.message} ${f.suppressed ? 'suppressed' : ''}`);
    };
    const edit = (file: string, change: (text: string) => string) => {
      const full = path.join(dir, file);
      writeFileSync(full, change(readFileSync(full, 'utf8')));
    };

    expect(await check(true)).toEqual(await check(false));
    expect(await check(true)).toEqual(await check(false));
    const edits: Array<[string, string, (t: string) => string]> = [
      // A LimitRange changes the pods every quota of the namespace counts (other documents, same file).
      ['batch/namespace.yaml', 'LimitRange', (t) => t.replace(/maxLimitRequestRatio:[^\n]*\n/, '')],
      // A Namespace label changes injection for every workload of the namespace (other files).
      ['ledger/namespace.yaml', 'Namespace', (t) => t.replace('istio-injection: enabled', 'istio-injection: disabled')],
      // The mesh-wide PeerAuthentication decides every namespace's mTLS comparison.
      ['istio-system/mesh.yaml', 'PeerAuthentication', (t) => t.replace('mode: STRICT', 'mode: PERMISSIVE')],
      // A file disappears: what it held is gone for everyone who read it.
      ['search/bulkheads.yaml', 'NetworkPolicy', () => ''],
    ];
    let before = await check(false);
    for (const [file, what, change] of edits) {
      edit(file, change);
      const uncached = await check(false);
      expect(uncached, `editing ${what} in ${file} must change some finding, or the test proves nothing`).not.toEqual(before);
      expect(await check(true), `after editing ${what} in ${file}`).toEqual(uncached);
      before = uncached;
    }
    rmSync(path.join(dir, 'checkout/payment-provider.yaml'));
    expect(await check(true), 'after deleting a file').toEqual(await check(false));
  });
});
