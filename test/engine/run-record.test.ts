import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type MeshguardConfig } from '../../src/config/types.js';
import { defaultRules, runCheck, type CheckRequest } from '../../src/check.js';
import { prng } from '../../src/bench/generate.js';
import { toReportInput } from '../../src/cli/check.js';
import { REPORT_FORMATS, renderReport } from '../../src/report/index.js';
import { tempDir } from '../helpers/tmp.js';
import { editFile, yamlFilesOf } from '../helpers/tree-edits.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PARSE = '.meshguard-cache/parse.json';
const RUN = '.meshguard-cache/parse.run.json';
const CHECKED = '.meshguard-cache/parse.run.checked.json';
const TODAY = '2026-11-26';

type Options = Partial<Pick<CheckRequest, 'today' | 'config' | 'rules' | 'policies' | 'baseline' | 'cacheSecret' | 'only'>>;

/** Every report format of a run, its duration aside, and whether the run was replayed whole from the record. */
const run = async (dir: string, cached: boolean, options: Options = {}): Promise<{ reports: string[]; replayed: boolean }> => {
  const result = await runCheck({ root: dir, inputs: ['.'], config: DEFAULT_CONFIG, today: TODAY, timing: true, ...options, ...(cached ? { cacheFile: PARSE } : {}) });
  const input = toReportInput({ ...result, durationMs: 0 }, 'error');
  return { reports: REPORT_FORMATS.map((format) => renderReport(format, input, { color: false })), replayed: 'replay' in result.timings!.stages };
};

/** A cached run and an uncached one of the same tree: the reports must be byte-identical. */
const compare = async (dir: string, options: Options = {}): Promise<boolean> => {
  const cached = await run(dir, true, options);
  const uncached = await run(dir, false, options);
  expect(cached.reports).toEqual(uncached.reports);
  return cached.replayed;
};

const platform = (): string => {
  const dir = tempDir('meshguard-run-record-');
  cpSync(path.join(ROOT, 'fixtures/platform/bad'), dir, { recursive: true });
  return dir;
};

const edit = editFile;

const filesOf = yamlFilesOf;

/**
 * A `--cache` run in which no parsed value changed replays the previous run whole (src/engine/run-record.ts):
 * no rule runs, and the findings of changed files are located again. Every report must still be what an
 * uncached run writes, byte for byte.
 */
describe('the record of the last --cache run', () => {
  it('is replayed whole after no edit and after comment and layout edits, positions moved', { timeout: 60_000 }, async () => {
    const dir = platform();
    expect(await compare(dir), 'the first run has nothing to replay').toBe(false);
    expect(await compare(dir), 'nothing edited').toBe(true);
    const record = JSON.parse(readFileSync(path.join(dir, RUN), 'utf8').split('\n')[1]!);
    const located = record.findings.filter((f: { at?: unknown }) => f.at);
    const related = record.findings.filter((f: { related?: unknown }) => f.related);
    expect(located.length, 'the fixture has findings the record can locate again').toBeGreaterThan(5);
    expect(related.length, 'and findings naming related resources').toBeGreaterThan(0);
    const files = [...new Set<string>(located.map((f: { finding: { file: string } }) => f.finding.file))];
    const relatedFile = related[0].finding.related.find((r: { file?: string }) => r.file !== undefined).file as string;
    const edits: Array<[string, string, (t: string) => string]> = [
      ['comments above the first document', files[0]!, (t) => `# moved\n\n# down\n${t}`],
      ['a comment at the end', files[1]!, (t) => `${t}\n# the end\n`],
      ['comments above a related resource', relatedFile, (t) => `# one\n# two\n# three\n${t}`],
      ['blank lines and a trailing comment on a key', files[2]!, (t) => t.replace(/^kind: (\w+)$/m, '\n\nkind: $1   # which kind')],
      ['a quoted scalar', files[0]!, (t) => t.replace(/^(\s+name): ([a-z][\w-]*)$/m, '$1: "$2"')],
      ['two files at once', files[1]!, (t) => `# a\n${t}`],
    ];
    for (const [what, file, change] of edits) {
      edit(dir, file, change);
      if (what === 'two files at once') edit(dir, files[2]!, (t) => `# b\n${t}`);
      expect(await compare(dir), `${what} in ${file}`).toBe(true);
    }
  });

  it('is not replayed after a value edit, a file added, removed or renamed, and the next run replays again', { timeout: 60_000 }, async () => {
    const dir = platform();
    await compare(dir);
    const steps: Array<[string, () => void]> = [
      ['a value edit', () => edit(dir, 'ledger/ledger.yaml', (t) => t.replace(/replicas: \d+/, 'replicas: 7'))],
      ['a file added', () => edit(dir, 'ledger/extra.yaml', () => 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: ledger\n')],
      ['an empty file added', () => edit(dir, 'ledger/empty.yaml', () => '# nothing yet\n')],
      ['a file removed', () => rmSync(path.join(dir, 'checkout/payment-provider.yaml'))],
      ['a file renamed', () => renameSync(path.join(dir, 'search/bulkheads.yaml'), path.join(dir, 'search/zz-bulkheads.yaml'))],
      ['a document removed', () => edit(dir, 'batch/namespace.yaml', (t) => t.split(/^---\n/m).slice(0, -1).join('---\n'))],
    ];
    for (const [what, step] of steps) {
      step();
      expect(await compare(dir), what).toBe(false);
      expect(await compare(dir), `the run after ${what}`).toBe(true);
    }
  });

  it('is not replayed for another configuration, date, rule set, policy or in merge-request mode', { timeout: 90_000 }, async () => {
    const dir = platform();
    await compare(dir);
    expect(await compare(dir)).toBe(true);
    const config: MeshguardConfig = { ...DEFAULT_CONFIG, rules: { ...DEFAULT_CONFIG.rules, 'sidecar-quota': { severity: 'info' } } };
    expect(await compare(dir, { config }), 'a configuration edit').toBe(false);
    expect(await compare(dir, { config })).toBe(true);
    expect(await compare(dir), 'the configuration edited back').toBe(false);
    // batch/cronjobs.yaml waives a finding until 2027-01-31: the run after that date reports it.
    const before = await run(dir, false);
    const after = await run(dir, false, { today: '2027-02-01' });
    expect(after.reports, 'the waiver expiry must change the report, or this proves nothing').not.toEqual(before.reports);
    expect(await compare(dir, { today: '2027-02-01' }), 'another date').toBe(false);
    expect(await compare(dir, { today: '2027-02-01' })).toBe(true);
    const rules = defaultRules().filter((r) => r.meta.id !== 'sidecar-quota');
    expect(await compare(dir, { rules, today: '2027-02-01' }), 'another rule set').toBe(false);
    const policy = path.join(tempDir('meshguard-run-record-policy-'), 'deny.rego');
    writeFileSync(policy, 'package main\n\ndeny contains msg if {\n  input.kind == "Namespace"\n  msg := "no namespaces"\n}\n');
    expect(await compare(dir, { policies: [policy], today: '2027-02-01' }), 'a policy').toBe(false);
    expect(await compare(dir, { policies: [policy], today: '2027-02-01' }), 'a policy, again').toBe(false);
    // A policy file edited between runs is what the key could not see: runs with policies are never replayed.
    writeFileSync(policy, readFileSync(policy, 'utf8').replace('no namespaces', 'still no namespaces'));
    expect(await compare(dir, { policies: [policy], today: '2027-02-01' })).toBe(false);

    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir, stdio: 'pipe' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'base');
    edit(dir, 'ledger/ledger.yaml', (t) => t.replace(/replicas: \d+/, 'replicas: 9'));
    expect(await compare(dir, { baseline: 'HEAD' }), 'merge-request mode').toBe(false);
    expect(await compare(dir, { baseline: 'HEAD' }), 'merge-request mode, again').toBe(false);
    expect(await compare(dir)).toBe(false);
    expect(await compare(dir)).toBe(true);
    expect(await compare(dir, { only: ['ledger/ledger.yaml'] }), '--only filters a replayed run as it does a computed one').toBe(true);
  });

  /**
   * Random edits weighted toward those that change no value (comments, blank lines, quoting, trailing
   * comments), mixed with value edits: a cached and an uncached run must write the same reports each time.
   */
  it('equals an uncached run after each of 30 random edits, most of them changing no value', { timeout: 180_000 }, async () => {
    const dir = platform();
    const random = prng(11);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    await compare(dir);
    const done: string[] = [];
    let replayed = 0;
    for (let step = 0; done.length < 30 && step < 300; step++) {
      const file = pick(filesOf(dir));
      const text = readFileSync(path.join(dir, file), 'utf8');
      const lines = text.split('\n');
      const at = Math.floor(random() * lines.length);
      const kind = pick(['comment-line', 'comment-line', 'blank-lines', 'trailing-comment', 'quote', 'value', 'nothing']);
      if (kind === 'comment-line') lines.splice(at, 0, `${' '.repeat(Math.floor(random() * 4))}# step ${step}`);
      else if (kind === 'blank-lines') lines.splice(at, 0, '', '');
      else if (kind === 'trailing-comment' && /^\s*[\w./-]+: [\w./-]+$/.test(lines[at]!)) lines[at] += `  # step ${step}`;
      else if (kind === 'quote' && /^\s*(- )?[\w./-]+: [a-z][\w.-]*$/.test(lines[at]!)) lines[at] = lines[at]!.replace(/: ([a-z][\w.-]*)$/, ": '$1'");
      else if (kind === 'value' && /^\s*replicas: \d+$/m.test(text)) lines.splice(0, lines.length, ...text.replace(/replicas: \d+/, `replicas: ${step + 2}`).split('\n'));
      else if (kind !== 'nothing') continue;
      writeFileSync(path.join(dir, file), lines.join('\n'));
      done.push(`${file}: ${kind} at line ${at + 1}`);
      if (await compare(dir).catch((error: Error) => { throw new Error(`after:\n${done.join('\n')}\n${error.message}`); })) replayed++;
    }
    expect(done.length).toBe(30);
    expect(replayed, 'most steps change no value and must be replayed').toBeGreaterThan(10);
  });

  it('with a key, is replayed only when signed with it; without one, a record of the wrong shape is ignored, never a crash', { timeout: 60_000 }, async () => {
    const dir = platform();
    const secret = 'protected-branch-secret';
    const uncached = await run(dir, false);
    const cachedWith = (options: Options = {}) => run(dir, true, options);
    await cachedWith({ cacheSecret: secret });
    expect(await cachedWith({ cacheSecret: secret })).toEqual({ reports: uncached.reports, replayed: true });
    const record = path.join(dir, RUN);
    const [header, body] = readFileSync(record, 'utf8').split('\n') as [string, string];
    const hide = (text: string) => {
      const parsed = JSON.parse(text);
      parsed.findings.pop();
      return JSON.stringify(parsed);
    };
    const hidden = hide(body);
    // A record that hides a finding, planted without the key, then signed with another one.
    writeFileSync(record, `${header}\n${hidden}`);
    expect(await cachedWith({ cacheSecret: secret })).toEqual({ reports: uncached.reports, replayed: false });
    const resign = (key: string) => {
      const h = JSON.parse(header);
      h.signature = createHmac('sha256', key).update(h.format).update('\u0000').update(hidden).digest('base64');
      writeFileSync(record, `${JSON.stringify(h)}\n${hidden}`);
    };
    resign('theirs');
    expect(await cachedWith({ cacheSecret: secret })).toEqual({ reports: uncached.reports, replayed: false });
    // Signed with our key it is believed: which shows that the check above is the signature's.
    resign(secret);
    const believed = await cachedWith({ cacheSecret: secret });
    expect(believed.replayed).toBe(true);
    expect(believed.reports).not.toEqual(uncached.reports);

    // Without a key a well-formed record is believed (the documented limitation); malformed ones are not.
    await cachedWith();
    const plain = readFileSync(record, 'utf8');
    const [plainHeader, plainBody] = plain.split('\n') as [string, string];
    const plants: Array<[string, (b: any) => void]> = [
      ['files that are not a list', (b) => (b.files = {})],
      ['a file entry of the wrong shape', (b) => (b.files[0] = [b.files[0][0], 7, null, 0])],
      ['a finding of the wrong shape', (b) => (b.findings[0].finding.line = 'x')],
      ['a related index out of range', (b) => {
        const entry = b.findings.find((f: any) => f.related);
        entry.related[0][0] = 99;
      }],
      ['a path that is not one', (b) => (b.findings.find((f: any) => f.at).at[1] = [{}])],
      ['findings that are not a list', (b) => (b.findings = null)],
    ];
    for (const [what, plant] of plants) {
      const parsed = JSON.parse(plainBody);
      plant(parsed);
      writeFileSync(record, `${plainHeader}\n${JSON.stringify(parsed)}`);
      expect(await cachedWith(), what).toEqual({ reports: uncached.reports, replayed: false });
    }
    // The checked pairs are a file of their own, named in the record by its digest.
    const checkedFile = path.join(dir, CHECKED);
    const checked = readFileSync(checkedFile, 'utf8');
    const withDigest = (text: string) => {
      writeFileSync(checkedFile, text);
      const body = JSON.parse(plainBody);
      body.checked = createHash('sha256').update(text).digest('base64');
      writeFileSync(record, `${plainHeader}\n${JSON.stringify(body)}`);
    };
    for (const [what, change] of [
      ['a rule list index out of range', (c: any) => (c.checked[0][5] = 9999)],
      ['a checked pair of the wrong shape', (c: any) => (c.checked[0] = [1, 2])],
      ['rule lists that are not lists', (c: any) => (c.ruleLists = 'x')],
    ] as const) {
      const parsed = JSON.parse(checked);
      change(parsed);
      withDigest(JSON.stringify(parsed));
      expect(await cachedWith(), what).toEqual({ reports: uncached.reports, replayed: false });
    }
    writeFileSync(record, plain);
    const parsedChecked = JSON.parse(checked);
    parsedChecked.checked.pop();
    writeFileSync(checkedFile, JSON.stringify(parsedChecked));
    expect(await cachedWith(), 'checked pairs that are not the ones the record names').toEqual({ reports: uncached.reports, replayed: false });
    // That run wrote them again (the same pairs, so the same digest as the record it found).
    expect(await cachedWith(), 'the run after').toEqual({ reports: uncached.reports, replayed: true });
    for (const garbage of ['', '{', `${plainHeader}\n{`, `${plainHeader.replace('"key":"', '"key":"x')}\n${plainBody}`]) {
      writeFileSync(record, garbage);
      expect(await cachedWith(), JSON.stringify(garbage.slice(0, 40))).toEqual({ reports: uncached.reports, replayed: false });
    }
    // The parse cache is not read by a replayed run, and is kept whole for the next run that parses.
    const parse = readFileSync(path.join(dir, PARSE), 'utf8');
    await cachedWith();
    edit(dir, 'ledger/ledger.yaml', (t) => `# moved\n${t}`);
    expect(await cachedWith()).toMatchObject({ replayed: true });
    expect(readFileSync(path.join(dir, PARSE), 'utf8')).toBe(parse);
  });
});
