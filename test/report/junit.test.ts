import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../src/report/junit.js';
import { xmlAttr, xmlText } from '../../src/report/xml.js';
import { UNICODE_MESSAGE, XML_HOSTILE, makeInput } from './fixtures.js';

interface Case {
  '@_name': string;
  '@_classname': string;
  failure?: { '#text': string; '@_message': string; '@_type': string };
  'system-out'?: string;
}
interface Suite {
  '@_name': string;
  '@_tests': string;
  '@_failures': string;
  testcase?: Case[];
}
interface Doc {
  testsuites: { '@_tests': string; '@_failures': string; '@_time': string; testsuite: Suite[] };
}

function parse(xml: string): Doc {
  const parser = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === 'testsuite' || name === 'testcase',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: true,
    htmlEntities: true,
  });
  return parser.parse(xml) as Doc;
}

describe('junit', () => {
  const xml = renderJunit(makeInput());

  it('is well-formed XML', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
  });

  it('the well-formedness check is live', () => {
    expect(XMLValidator.validate(xml.replaceAll('&amp;', '&'))).not.toBe(true);
    expect(XMLValidator.validate(xml.replace('</testsuite>', ''))).not.toBe(true);
  });

  const doc = parse(xml).testsuites;
  const suite = (name: string): Suite => doc.testsuite.find((s) => s['@_name'] === name)!;

  it('has one suite per rule with matching counts, and totals on the root', () => {
    expect(doc.testsuite.map((s) => [s['@_name'], s['@_tests'], s['@_failures']])).toEqual([
      ['mtls-strict', '4', '3'],
      ['sidecar-resources', '3', '2'],
      ['job-sidecar-termination', '1', '0'],
      ['yaml-syntax', '4', '1'],
    ]);
    for (const s of doc.testsuite) {
      expect(s.testcase).toHaveLength(Number(s['@_tests']));
      expect(s.testcase!.filter((c) => c.failure).length).toBe(Number(s['@_failures']));
    }
    expect([doc['@_tests'], doc['@_failures'], doc['@_time']]).toEqual(['12', '6', '0.212']);
  });

  it('names cases kind/namespace/name with the file as classname, and file-level cases after the file', () => {
    expect(suite('mtls-strict').testcase!.map((c) => [c['@_name'], c['@_classname']])).toEqual([
      ['Namespace/legacy', 'k8s/cluster/ns.yaml'],
      ['PeerAuthentication/payments/default', 'k8s/mesh/peer-auth.yaml'],
      ['Deployment/payments/api', 'k8s/mesh/peer-auth.yaml'],
      ['Deployment/payments/worker', 'k8s/mesh/peer-auth.yaml'],
    ]);
    const syntax = suite('yaml-syntax').testcase![0]!;
    expect(syntax['@_name']).toBe('broken/bad.yaml');
    expect(syntax.failure?.['@_message']).toBe(XML_HOSTILE);
    expect(syntax.failure?.['#text']).toBe(`broken/bad.yaml:3:1: error: ${XML_HOSTILE}`);
  });

  it('round-trips unicode and XML-hostile text, and makes forbidden control characters visible', () => {
    const pa = suite('mtls-strict').testcase![1]!;
    expect(pa.failure?.['@_message']).toBe(UNICODE_MESSAGE);
    expect(pa.failure?.['#text']).toBe(`k8s/mesh/peer-auth.yaml:14:11: error: ${UNICODE_MESSAGE} (at /spec/mtls/mode)`);
    const ns = suite('mtls-strict').testcase![0]!;
    expect(ns.failure?.['@_message']).toBe('label value "a\\u0000b\\u0007c\\u001b[31mred\\u001b[0m"\nsecond line\\u000bend');
    expect(ns.failure?.['@_type']).toBe('warning');
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it('passes suppressed findings, noting why in system-out', () => {
    const job = suite('job-sidecar-termination').testcase![0]!;
    expect(job.failure).toBeUndefined();
    expect(job['system-out']).toBe(
      'suppressed (waiver: sidecar exits via /quitquitquit in the entrypoint): k8s/jobs/migrate.yaml:5:3: warning: Job "migrate" runs with an Envoy sidecar that never exits (at /spec/template)',
    );
    expect(suite('sidecar-resources').testcase![2]!.failure).toBeUndefined();
  });

  it('gives each finding of one rule and resource its own case, so the failures count the problems', () => {
    const [first] = makeInput().findings.filter((f) => f.ruleId === 'mtls-strict' && f.resource?.name === 'api');
    const second = { ...first!, message: 'second problem', line: 140, severity: 'warning' as const };
    const d = parse(renderJunit(makeInput({ findings: [first!, second] }))).testsuites;
    const cases = d.testsuite[0]!.testcase!.filter((c) => String(c['@_name']).startsWith('Deployment/payments/api'));
    expect(cases.map((c) => [c['@_name'], c.failure?.['@_message'], c.failure?.['@_type']])).toEqual([
      [`Deployment/payments/api (${first!.line}:${first!.column})`, 'Deployment "api" disables mTLS for port 8080', 'error'],
      [`Deployment/payments/api (140:${first!.column})`, 'second problem', 'warning'],
    ]);
    expect(d['@_failures']).toBe('2');
  });

  it('counts as many failures as the listing shows problems', () => {
    const input = makeInput();
    const problems = input.findings.filter((f) => !f.suppressed).length;
    expect(parse(renderJunit(input)).testsuites['@_failures']).toBe(String(problems));
  });

  it('keeps failures for findings whose resource was not reported as checked', () => {
    const d = parse(renderJunit(makeInput({ checked: [] }))).testsuites;
    expect([d['@_tests'], d['@_failures']]).toEqual(['8', '6']);
  });

  it('escapes attributes and text', () => {
    expect(xmlAttr('a"b\'c<d>&e\tf\ng')).toBe('a&quot;b&apos;c&lt;d&gt;&amp;e&#9;f&#10;g');
    expect(xmlText(']]> \ud800 \uffff ok 🚀')).toBe(']]&gt; \\ud800 \\uffff ok 🚀');
  });

  it('is deterministic', () => {
    expect(renderJunit(makeInput())).toBe(xml);
  });
});
