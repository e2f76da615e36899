import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG } from '../config/types.js';
import { evaluate } from '../engine/evaluate.js';
import { resolveRuleSettings } from '../engine/settings.js';
import { resourceFromObject } from '../load/resources.js';
import { Inventory } from '../model/inventory.js';
import type { Resource } from '../model/types.js';
import { gatekeeperRules, type TemplateProblem } from './gatekeeper.js';
import { isRecord } from './metadata.js';

/**
 * Gatekeeper's `gator verify` suites (test.gatekeeper.sh/v1alpha1 Suite): each test names a template,
 * a constraint and cases; each case an object (and optional inventory) with assertions on the number
 * of violations (`violations: yes | no | <n>`, optionally only those whose message matches `message`).
 */
export interface CaseResult {
  test: string;
  case: string;
  passed: boolean;
  detail: string;
}

export async function verifySuite(suiteFile: string, cacheDir: string | undefined): Promise<CaseResult[]> {
  const dir = path.dirname(suiteFile);
  const suite = (await readDocuments(suiteFile))[0];
  if (!isRecord(suite) || suite.kind !== 'Suite' || !Array.isArray(suite.tests)) throw new Error(`${suiteFile}: not a Gatekeeper Suite (kind: Suite, tests: [...])`);
  const results: CaseResult[] = [];
  for (const test of suite.tests) {
    if (!isRecord(test) || typeof test.template !== 'string' || typeof test.constraint !== 'string') throw new Error(`${suiteFile}: each test needs template and constraint`);
    const testName = typeof test.name === 'string' ? test.name : test.template;
    // The template and the constraint may share one file: each document counts once.
    const policy = [...new Map([...(await resources(dir, test.template)), ...(await resources(dir, test.constraint))].map((r) => [r.id, r])).values()];
    const rules = await gatekeeperRules(policy, cacheDir);
    const broken = rules.flatMap((r) => ('problems' in r ? (r.problems as TemplateProblem[]) : []));
    if (broken.length > 0) {
      // Like gator, a template that does not compile fails its test instead of stopping the suite.
      results.push({ test: testName, case: '(template)', passed: false, detail: broken.map((p) => p.message + (p.textPosition ? ` (rego line ${p.textPosition.line}:${p.textPosition.column})` : '')).join('\n  ') });
      continue;
    }
    const metas = rules.map((r) => r.meta);
    const settings = resolveRuleSettings(DEFAULT_CONFIG, metas);
    for (const testCase of Array.isArray(test.cases) ? test.cases : []) {
      if (!isRecord(testCase) || typeof testCase.object !== 'string') throw new Error(`${suiteFile}: each case needs an object file`);
      const caseName = typeof testCase.name === 'string' ? testCase.name : testCase.object;
      const objects = await resources(dir, testCase.object);
      const inventoryFiles = Array.isArray(testCase.inventory) ? testCase.inventory.filter((f): f is string => typeof f === 'string') : [];
      const inventory = [...policy, ...(await Promise.all(inventoryFiles.map((f) => resources(dir, f)))).flat(), ...objects];
      const findings = evaluate({
        resources: objects.slice(0, 1),
        inventory: new Inventory(inventory),
        problems: [],
        rules,
        knownRules: metas,
        settings,
        mesh: DEFAULT_CONFIG.mesh,
        today: new Date().toISOString().slice(0, 10),
      }).findings;
      for (const assertion of Array.isArray(testCase.assertions) ? testCase.assertions : [{ violations: 'yes' }]) {
        const a = isRecord(assertion) ? assertion : {};
        const pattern = typeof a.message === 'string' ? new RegExp(a.message) : undefined;
        const count = findings.filter((f) => !pattern || pattern.test(f.message)).length;
        const expected = a.violations ?? 'yes';
        const passed = expected === 'yes' || expected === true ? count > 0 : expected === 'no' || expected === false ? count === 0 : count === Number(expected);
        const messages = findings.map((f) => `    ${f.message}`).join('\n');
        results.push({
          test: testName,
          case: caseName,
          passed,
          detail: `expected violations: ${String(expected)}${pattern ? ` matching /${pattern.source}/` : ''}, got ${count}${messages ? `\n${messages}` : ''}`,
        });
      }
    }
  }
  return results;
}

async function readDocuments(file: string): Promise<unknown[]> {
  return parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined);
}

async function resources(dir: string, file: string): Promise<Resource[]> {
  const docs = await readDocuments(path.resolve(dir, file));
  return docs.flatMap((doc, i) => {
    const r = isRecord(doc) ? resourceFromObject(doc, `${file}#${i}`, DEFAULT_CONFIG.defaultNamespace) : undefined;
    return r ? [r] : [];
  });
}

export function formatVerify(results: readonly CaseResult[], verbose: boolean): string {
  const lines = results
    .filter((r) => verbose || !r.passed)
    .map((r) => `${r.passed ? 'ok  ' : 'FAIL'} ${r.test} / ${r.case}${r.passed && !verbose ? '' : `\n  ${r.detail}`}`);
  // Like `opa test`: the passes and the failures, each out of the total (never "FAIL: <passes>/<total>").
  const failed = results.filter((r) => !r.passed).length;
  const passed = results.length - failed;
  if (passed > 0 || failed === 0) lines.push(`PASS: ${passed}/${results.length} assertions`);
  if (failed > 0) lines.push(`FAIL: ${failed}/${results.length} assertions`);
  return `${lines.join('\n')}\n`;
}
