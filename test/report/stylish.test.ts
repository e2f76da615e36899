import { describe, expect, it } from 'vitest';
import { renderStylish } from '../../src/report/stylish.js';
import { CONTROL_MESSAGE, makeInput } from './fixtures.js';

const ANSI = /\u001b\[/;

describe('stylish', () => {
  const text = renderStylish(makeInput());
  const lines = text.split('\n');

  it('groups by file, in input order, skipping files whose findings are all suppressed', () => {
    const headers = lines.filter((l) => l.length > 0 && !l.startsWith(' ') && !/^[✖⚠✔]/.test(l) && !l.startsWith('Suppressed by waivers'));
    expect(headers).toEqual(['broken/bad.yaml', 'k8s/cluster/ns.yaml', 'k8s/jobs/migrate.yaml', 'k8s/mesh/peer-auth.yaml']);
  });

  it('prints aligned line:column, severity, message, rule id and the resource', () => {
    const start = lines.indexOf('k8s/mesh/peer-auth.yaml');
    const rows = lines.slice(start + 1, start + 4);
    expect(rows[0]).toMatch(/^ {2} 14:11 {2}error {4}PeerAuthentication "default" sets mode PERMISSIVE: Zürich→東京 🚀 .* {2}mtls-strict {8}PeerAuthentication\/payments\/default$/);
    expect(rows[1]).toMatch(/^ {2}130:7 {3}error {4}Deployment "api" disables mTLS for port 8080 +mtls-strict {8}Deployment\/payments\/api$/);
    expect(rows[2]).toMatch(/^ {2}130:7 {3}warning {2}istio-proxy has no CPU request +sidecar-resources {2}Deployment\/payments\/api$/);
    // Aligned: the rule column starts at the same offset on every row of the file.
    // Aligned on screen: the rule column starts at the same terminal cell on every row, although the
    // first row holds double-width characters (東京 and 🚀 take two cells each).
    const cells = (s: string): number => [...s].reduce((n, c) => n + (/[\u4e00-\u9fff\u{1f300}-\u{1f64f}]/u.test(c) ? 2 : 1), 0);
    const offsets = rows.map((r) => cells(r.slice(0, r.search(/mtls-strict|sidecar-resources/))));
    expect(new Set(offsets).size).toBe(1);
  });

  it('names cluster-scoped resources kind/name and file-level findings without a resource', () => {
    expect(text).toContain('Namespace/legacy');
    expect(lines[lines.indexOf('broken/bad.yaml') + 1]).toBe('  3:1  error  Unexpected token \'<\' & "]]>" at end of mapping  yaml-syntax');
  });

  it('does not list suppressed findings but counts them', () => {
    expect(text).not.toContain('never exits');
    expect(text).not.toContain('Deployment/payments/worker');
    expect(lines.at(-2)).toBe('✖ 6 problems (3 errors, 2 warnings, 1 info), 2 suppressed — 4 files, 5 resources in 0.21 s');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('neutralises control characters from manifest content', () => {
    expect(CONTROL_MESSAGE).toMatch(ANSI);
    const row = lines.find((l) => l.includes('Namespace/legacy'));
    expect(row).toContain('a\\x00b\\x07c\\x1b[31mred\\x1b[0m" second line\\x0bend');
    expect(text).not.toMatch(ANSI);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('colours only when asked, without breaking alignment', () => {
    const colored = renderStylish(makeInput(), { color: true });
    expect(colored).toMatch(ANSI);
    expect(colored).toContain('\u001b[31merror  \u001b[0m');
    // eslint-disable-next-line no-control-regex
    expect(colored.replace(/\u001b\[[0-9;]*m/g, '')).toBe(text);
  });

  it('prints a clean message when there is nothing, mentioning suppressed findings', () => {
    expect(renderStylish(makeInput({ findings: [] }))).toBe('✔ No problems — 4 files, 5 resources in 0.21 s\n');
    const onlySuppressed = makeInput().findings.filter((f) => f.suppressed);
    expect(renderStylish(makeInput({ findings: onlySuppressed, summary: { files: 1, resources: 1, durationMs: 5 } }))).toBe(
      'Suppressed by waivers (1):\n' +
        '  k8s/jobs/migrate.yaml:5:3 job-sidecar-termination Job/payments/migrate: sidecar exits via /quitquitquit in the entrypoint\n\n' +
        '✔ No problems, 2 suppressed — 1 file, 1 resource in 0.01 s\n',
    );
  });

  it('says when problems stay below the fail threshold', () => {
    const warningsOnly = makeInput().findings.filter((f) => f.severity !== 'error');
    const out = renderStylish(makeInput({ findings: warningsOnly }));
    expect(out.trimEnd().split('\n').at(-1)).toBe(
      '⚠ 3 problems (0 errors, 2 warnings, 1 info), 2 suppressed — 4 files, 5 resources in 0.21 s; none at or above the fail threshold (error)',
    );
    expect(renderStylish(makeInput({ findings: warningsOnly, failOn: 'warning' }))).toMatch(/^✖ 3 problems/m);
  });

  it('lists waived findings briefly, with the reason, but not baseline ones (the comparison line counts those)', () => {
    const start = lines.indexOf('Suppressed by waivers (1):');
    expect(start).toBeGreaterThan(0);
    expect(lines[start + 1]).toBe('  k8s/jobs/migrate.yaml:5:3 job-sidecar-termination Job/payments/migrate: sidecar exits via /quitquitquit in the entrypoint');
    expect(lines[start + 2]).toBe('');
  });

  describe('in a terminal of a given width', () => {
    const long = makeInput();
    for (const columns of [80, 100, 200]) {
      it(`keeps every line within ${columns} columns, with rule ids whole`, () => {
        const out = renderStylish(long, { width: columns });
        const cells = (s: string): number => [...s].reduce((n, c) => n + (/[\u4e00-\u9fff\u{1f300}-\u{1f64f}]/u.test(c) ? 2 : 1), 0);
        for (const line of out.split('\n')) expect(cells(line), line).toBeLessThanOrEqual(columns);
        for (const id of ['mtls-strict', 'sidecar-resources', 'yaml-syntax', 'job-sidecar-termination']) {
          if (long.findings.some((f) => f.ruleId === id && !f.suppressed)) expect(out).toMatch(new RegExp(`(^|\\s)${id}(\\s|$)`, 'm'));
        }
      });
    }

    it('keeps the one-line table when it fits, and the same words when it does not', () => {
      expect(renderStylish(long, { width: 1000 })).toBe(text);
      const words = (s: string): string[] => s.split(/\s+/).filter(Boolean).sort();
      expect(words(renderStylish(long, { width: 60 }))).toEqual(words(text));
    });

    it('puts position, severity, rule id and resource first, then the message indented below', () => {
      const narrow = renderStylish(long, { width: 80 }).split('\n');
      const at = narrow.findIndex((l) => /^ {2}\s*14:11 +error +mtls-strict +PeerAuthentication\/payments\/default$/.test(l));
      expect(at).toBeGreaterThan(0);
      expect(narrow[at + 1]).toMatch(/^ {8,}PeerAuthentication "default" sets mode PERMISSIVE/);
    });

    it('splits a word longer than the line rather than overflow', () => {
      const url = `https://example.com/${'x'.repeat(150)}`;
      const input = makeInput({ findings: [{ ...long.findings[0]!, message: `see ${url}` }] });
      const out = renderStylish(input, { width: 80 });
      expect(Math.max(...out.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(80);
      expect(out.replace(/\n\s*/g, '')).toContain(url);
    });
  });

  it('is deterministic', () => {
    expect(renderStylish(makeInput(), { color: true })).toBe(renderStylish(makeInput(), { color: true }));
  });
});
