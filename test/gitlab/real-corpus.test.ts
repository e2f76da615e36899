import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import type { Finding } from '../../src/model/types.js';
import { corpusAvailable, materializeCorpus, tempCorpusDir, type CorpusSource } from '../helpers/mirror.js';

/**
 * Real pipelines of public projects (fixtures/gitlab-real/manifest.json: repository, commit, the root
 * .gitlab-ci.yml and its local includes), read from the snapshots on this machine. GitLab runs every
 * one of them, so an error here is a false one unless it is listed below with the reason it is true.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'fixtures/gitlab-real/manifest.json'), 'utf8')) as (CorpusSource & { licence: string })[];

/** The errors that are true, reviewed by hand: `repo file:line rule` -> why GitLab refuses it too. */
const TRUE_ERRORS: Record<string, string> = {
  'DrSAR/SARlabpy .gitlab-ci.yml:4 gitlab-ci-schema':
    "job keyword 'type' (the old alias of stage) was removed from GitLab in 16.0: GitLab refuses this pipeline today",
};

const available = manifest.filter((source) => corpusAvailable(source));
const errorsSeen: Record<string, number> = {};

async function lint(dir: string): Promise<Finding[]> {
  const result = await runCheck({ root: dir, inputs: ['.gitlab-ci.yml'], config: DEFAULT_CONFIG, today: '2026-11-26' });
  return result.findings;
}

describe.skipIf(available.length === 0)(`real pipelines (${available.length} of ${manifest.length} snapshots here)`, () => {
  let temp: ReturnType<typeof tempCorpusDir>;
  const dirs = new Map<string, string>();
  beforeAll(() => {
    temp = tempCorpusDir('meshguard-gitlab-real-');
    for (const source of available) dirs.set(source.repo, materializeCorpus(source, temp.dir));
  }, 120_000);
  afterAll(() => {
    temp?.remove();
    const total = Object.values(errorsSeen).reduce((a, b) => a + b, 0);
    console.log(`GitLab real pipelines: ${available.length} projects, ${total} errors, ${Object.keys(TRUE_ERRORS).length} listed as true`);
  });

  it('holds at least 60 projects', () => {
    expect(manifest.length).toBeGreaterThanOrEqual(60);
  });

  for (const source of available) {
    it(`${source.repo}: no error beyond the reviewed true ones`, async () => {
      const findings = await lint(dirs.get(source.repo)!);
      const errors = findings.filter((f) => f.severity === 'error').map((f) => `${source.repo} ${f.file}:${f.line} ${f.ruleId}`);
      errorsSeen[source.repo] = errors.length;
      const expected = Object.keys(TRUE_ERRORS).filter((k) => k.startsWith(`${source.repo} `));
      expect(errors.sort()).toEqual(expected.sort());
      expect(findings.filter((f) => f.ruleId === 'internal-error')).toEqual([]);
    });
  }

  /**
   * Mistakes GitLab refuses, written into real pipelines: each must be caught by the right rule within
   * one line of where it was written (the job key for a job-wide mistake).
   */
  describe('seeded mistakes', () => {
    const seeds: Seed[] = [
      { name: 'expire_in typo', rule: 'gitlab-duration', lines: (k) => [`${k}artifacts:`, `${k}  expire_in: 1 wek`], at: 1 },
      { name: 'timeout typo', rule: 'gitlab-duration', lines: (k) => [`${k}timeout: 3 dayz`], at: 0 },
      { name: 'trigger with script', rule: 'gitlab-job', lines: (k) => [`${k}trigger: group/downstream`], at: 0 },
      {
        name: 'matrix over 200 jobs',
        rule: 'gitlab-job',
        lines: (k) => [`${k}parallel:`, `${k}  matrix:`, `${k}    - A: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]`, `${k}      B: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]`],
        at: 1,
      },
      { name: 'delayed without start_in', rule: 'gitlab-job', lines: (k) => [`${k}when: delayed`], at: 0 },
      { name: 'start_in without delayed', rule: 'gitlab-job', lines: (k) => [`${k}start_in: 10 minutes`], at: 0 },
      { name: 'invalid rules:if', rule: 'gitlab-rules-if', lines: (k) => [`${k}rules:`, `${k}  - if: $CI_COMMIT_BRANCH = "main"`], at: 1 },
      { name: 'cache key with 3 files', rule: 'gitlab-job', lines: (k) => [`${k}cache:`, `${k}  key:`, `${k}    files: [a.lock, b.lock, c.lock]`, `${k}  paths: [vendor/]`], at: 2 },
    ];
    const outcomes: string[] = [];
    afterAll(() => {
      const caught = outcomes.filter((o) => o.startsWith('caught')).length;
      console.log(`GitLab seeded mistakes: ${caught}/${outcomes.length} caught by the right rule within one line`);
    });
    // Four projects per mistake, taken in manifest order among those with a job the seed fits.
    for (const seed of seeds) {
      it(`${seed.name}`, async () => {
        let planted = 0;
        for (const source of available) {
          if (planted === 4) break;
          const dir = dirs.get(source.repo)!;
          const file = path.join(dir, '.gitlab-ci.yml');
          const original = readFileSync(file, 'utf8');
          const site = plantSite(original);
          if (!site) continue;
          const lines = original.split('\n');
          const added = seed.lines(site.indent);
          lines.splice(site.line, 0, ...added);
          writeFileSync(file, lines.join('\n'));
          try {
            const findings = await lint(dir);
            const line = site.line + 1 + seed.at;
            const hit = findings.some((f) => f.ruleId === seed.rule && f.file === '.gitlab-ci.yml' && Math.abs(f.line - line) <= 1 && f.severity === 'error');
            outcomes.push(`${hit ? 'caught' : 'missed'} ${seed.name} in ${source.repo}`);
            expect(hit, `${seed.name} in ${source.repo} at line ${line}: ${findings.filter((f) => f.file === '.gitlab-ci.yml').map((f) => `${f.line}:${f.ruleId}`).join(' ')}`).toBe(true);
            planted++;
          } finally {
            writeFileSync(file, original);
          }
        }
        expect(planted).toBe(4);
      });
    }
  });
});

interface Seed {
  name: string;
  rule: string;
  /** Lines to insert at the job's indentation. */
  lines: (indent: string) => string[];
  /** Which inserted line the finding belongs to. */
  at: number;
}

/**
 * A job of the root file the seed can go into: a top-level, non-hidden job with a `script` and none of
 * the keys the seeds write (so no key is written twice), in block style. Returns the line after the
 * job key (0-based index to insert at) and the indentation of its keys.
 */
function plantSite(text: string): { line: number; indent: string } | undefined {
  const lines = text.split('\n');
  const globals = new Set(['default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script']);
  for (let i = 0; i < lines.length; i++) {
    const key = /^([A-Za-z0-9][\w \-/]*):\s*$/.exec(lines[i]!);
    if (!key || globals.has(key[1]!)) continue;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j]!.trim() === '' || /^\s/.test(lines[j]!) || lines[j]!.startsWith('#')); j++) body.push(lines[j]!);
    const indent = /^(\s+)\S/.exec(body.find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? '')?.[1];
    if (!indent || indent.includes('\t')) continue;
    const keys = new Set(body.map((l) => new RegExp(`^${indent}([\\w<]+):`).exec(l)?.[1]).filter(Boolean));
    const clashes = ['artifacts', 'timeout', 'trigger', 'parallel', 'when', 'start_in', 'rules', 'cache', 'extends', 'only', 'except', '<<'];
    if (!keys.has('script') || clashes.some((k) => keys.has(k))) continue;
    return { line: i + 1, indent };
  }
  return undefined;
}
