import type { Finding, ResourceRef } from '../model/types.js';
import { compareStrings, describedRules, repoPath, resourceKey, resourceLabel } from './common.js';
import type { ReportInput } from './types.js';
import { xmlAttr, xmlText } from './xml.js';

interface TestCase {
  name: string;
  classname: string;
  failures: Finding[];
  suppressed: Finding[];
}

function caseKey(file: string, resource: ResourceRef | undefined): string {
  return `${repoPath(file)}\u0000${resourceKey(resource)}`;
}

/**
 * Test cases of one rule: every checked (file, resource), then any finding whose resource was not
 * reported as checked (so a failure is never lost). A duplicate pair collapses into one case.
 */
function casesOf(ruleId: string, input: ReportInput): TestCase[] {
  const cases = new Map<string, TestCase>();
  const ensure = (file: string, resource: ResourceRef | undefined): TestCase => {
    const key = caseKey(file, resource);
    let testCase = cases.get(key);
    if (!testCase) {
      // File-level checks and findings (e.g. a YAML syntax error) have no resource: name the file.
      testCase = { name: resource ? resourceLabel(resource) : repoPath(file), classname: repoPath(file), failures: [], suppressed: [] };
      cases.set(key, testCase);
    }
    return testCase;
  };
  for (const check of input.checked) if (check.ruleId === ruleId) ensure(check.file, check.resource);
  for (const finding of input.findings) {
    if (finding.ruleId !== ruleId) continue;
    const testCase = ensure(finding.file, finding.resource);
    (finding.suppressed ? testCase.suppressed : testCase.failures).push(finding);
  }
  // Sort by file only: within a file the check order follows the documents, which reads best.
  return [...cases.values()].sort((a, b) => compareStrings(a.classname, b.classname));
}

function failureLine(f: Finding): string {
  const at = f.path ? ` (at ${f.path})` : '';
  return `${repoPath(f.file)}:${f.line}:${f.column}: ${f.severity}: ${f.message}${at}`;
}

/**
 * One test case per finding, so the report counts what the listing shows (GitLab and most readers
 * show only the first <failure> of a case). A resource with several findings of one rule gets one
 * case each, named with the finding's position; a resource with none is one passing case.
 */
function splitCase(c: TestCase): TestCase[] {
  if (c.failures.length <= 1) return [c];
  return c.failures.map((f, i) => ({ ...c, name: `${c.name} (${f.line}:${f.column})`, failures: [f], suppressed: i === 0 ? c.suppressed : [] }));
}

function renderCase(c: TestCase, indent: string): string[] {
  const open = `${indent}<testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(c.classname)}"`;
  if (c.failures.length === 0 && c.suppressed.length === 0) return [`${open}/>`];
  const out = [`${open}>`];
  for (const f of c.failures) {
    out.push(`${indent}  <failure message="${xmlAttr(f.message)}" type="${f.severity}">${xmlText(failureLine(f))}</failure>`);
  }
  if (c.suppressed.length > 0) {
    // Waived findings pass, but the log says why, so a reviewer can see what was accepted.
    const notes = c.suppressed.map((f) => `suppressed (${f.suppressed?.kind}: ${f.suppressed?.justification}): ${failureLine(f)}`);
    out.push(`${indent}  <system-out>${xmlText(notes.join('\n'))}</system-out>`);
  }
  out.push(`${indent}</testcase>`);
  return out;
}

/** JUnit XML for GitLab's test report: one suite per rule, one case per finding or passing (rule, resource). */
export function renderJunit(input: ReportInput): string {
  const suites: string[] = [];
  let totalTests = 0;
  let totalFailures = 0;
  for (const rule of describedRules(input)) {
    const cases = casesOf(rule.id, input).flatMap(splitCase);
    const failures = cases.filter((c) => c.failures.length > 0).length;
    totalTests += cases.length;
    totalFailures += failures;
    suites.push(
      `  <testsuite name="${xmlAttr(rule.id)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0">`,
      ...cases.flatMap((c) => renderCase(c, '    ')),
      '  </testsuite>',
    );
  }
  const time = (input.summary.durationMs / 1000).toFixed(3);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(input.tool.name)}" tests="${totalTests}" failures="${totalFailures}" errors="0" time="${time}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
