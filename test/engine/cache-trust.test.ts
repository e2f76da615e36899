import { createHmac } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { REPO_ROOT, runMeshguard } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const PARSE = '.meshguard-cache/parse.json';
const RESULTS = '.meshguard-cache/parse.results.json';
const RUN = '.meshguard-cache/parse.run.json';

// Cache files are edited as a merge request would: as plain JSON.
type Json = any;

/**
 * A CI cache can come from another branch (issue 20, item 17): a merge request could plant entries that
 * hide a finding, add one, or crash the run. Entries are checked for shape and for the hashes of what they
 * were computed from; with MESHGUARD_CACHE_KEY they must also carry our signature.
 */
describe('cache entries are not trusted', () => {
  const tree = () => {
    const dir = tempDir('meshguard-cache-trust-');
    cpSync(path.join(REPO_ROOT, 'fixtures/platform/bad'), dir, { recursive: true });
    return dir;
  };
  const check = async (dir: string, options: { cached?: boolean; secret?: string } = {}) => {
    const result = await runCheck({
      root: dir,
      inputs: ['.'],
      config: DEFAULT_CONFIG,
      today: '2026-11-26',
      ...(options.cached === false ? {} : { cacheFile: PARSE }),
      ...(options.secret ? { cacheSecret: options.secret } : {}),
    });
    return result.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}/${f.messageId} ${f.severity} ${f.message}`);
  };
  /**
   * The parse cache is a header line and one `<key>\t<signature>\t<entry>` line per entry: it is edited here as
   * `{ format, entries: { key: entry with its signature } }`, the results cache as the JSON it is.
   */
  const edit = (dir: string, file: string, change: (cache: Json) => void) => {
    // The record of the whole last run would be replayed before either cache is looked at: planted entries
    // are tested on the caches a run with a changed value reads (the record's own trust is tested below).
    rmSync(path.join(dir, RUN), { force: true });
    const full = path.join(dir, file);
    const text = readFileSync(full, 'utf8');
    if (file !== PARSE) {
      const cache = JSON.parse(text);
      change(cache);
      writeFileSync(full, JSON.stringify(cache));
      return;
    }
    const [header, ...lines] = text.trimEnd().split('\n');
    const entries: Record<string, Json> = {};
    for (const line of lines) {
      const [key, signature, json] = line.split('\t');
      entries[key!] = { ...JSON.parse(json!), ...(signature ? { signature } : {}) };
    }
    const cache = { format: JSON.parse(header!).format, entries };
    change(cache);
    const out = Object.entries<Json>(cache.entries).map(([key, entry]) => {
      if (typeof entry !== 'object' || entry === null) return `${key}\t\t${JSON.stringify(entry)}`;
      const { signature, ...rest } = entry;
      return `${key}\t${signature ?? ''}\t${JSON.stringify(rest)}`;
    });
    writeFileSync(full, `${[JSON.stringify({ format: cache.format }), ...out].join('\n')}\n`);
  };
  /** Every stored record of a resource's results. */
  const records = (cache: Json): Json[] => Object.values<Json>(cache.files).flatMap((file) => Object.values<Json>(file.resources));
  /** The first stored record with findings and the rule that reported them. */
  const withFindings = (cache: Json): [Json, string] => {
    for (const record of records(cache)) {
      for (const rule of Object.keys(record.findings ?? {})) return [record, rule];
    }
    throw new Error('the fixture must have findings');
  };
  const hideOne = (cache: Json) => {
    const [record, rule] = withFindings(cache);
    delete record.findings[rule];
  };
  const addOne = (cache: Json) => {
    const [record, rule] = withFindings(cache);
    const list = record.findings[rule];
    list.push({ ...list[0], message: 'planted by a merge request', severity: 'error' });
  };
  /** Change what a parsed manifest says: every `replicas` of the cache becomes 1, every `name` gains a suffix. */
  const rewriteValues = (cache: Json) => {
    const visit = (node: Json): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        for (const key of Object.keys(node)) {
          if (key === 'name' && typeof node[key] === 'string') node[key] = `${node[key]}-planted`;
          else visit(node[key]);
        }
      }
    };
    for (const entry of Object.values<Json>(cache.entries)) visit(entry.values);
  };

  it('without a key, a well-formed entry with wrong values is replayed: the documented limitation', async () => {
    const dir = tree();
    const uncached = await check(dir, { cached: false });
    expect(await check(dir)).toEqual(uncached);
    edit(dir, RESULTS, hideOne);
    const hidden = await check(dir);
    expect(hidden.length).toBe(uncached.length - 1);
    edit(dir, PARSE, rewriteValues);
    edit(dir, RESULTS, (c) => (c.files = {}));
    expect(await check(dir)).not.toEqual(uncached);
  });

  it('with a key, entries that hide a finding, add one or change parsed values are ignored and recomputed', async () => {
    const dir = tree();
    const secret = 'protected-branch-secret';
    const uncached = await check(dir, { cached: false });
    expect(await check(dir, { secret })).toEqual(uncached);
    const signed = JSON.parse(readFileSync(path.join(dir, RESULTS), 'utf8'));
    expect(records(signed).every((r) => typeof r.signature === 'string')).toBe(true);
    edit(dir, PARSE, (c) => expect(Object.values<Json>(c.entries).every((e) => typeof e.signature === 'string' && e.signature.length > 0)).toBe(true));

    // Results are replayed by file content, so planted parse values show only once results are recomputed.
    for (const [what, file, poison] of [
      ['a hidden finding', RESULTS, hideOne],
      ['an added finding', RESULTS, addOne],
      ['changed parsed values', PARSE, rewriteValues],
    ] as const) {
      edit(dir, file, poison);
      if (file === PARSE) edit(dir, RESULTS, (c) => (c.files = {}));
      // The planted entries must make a difference to a run that trusts them, or this proves nothing.
      expect(await check(dir), `${what}, trusted without the key`).not.toEqual(uncached);
      // The run without the key rewrote the cache unsigned: sign it again, then plant the same change.
      await check(dir, { secret });
      edit(dir, file, poison);
      if (file === PARSE) edit(dir, RESULTS, (c) => (c.files = {}));
      expect(await check(dir, { secret }), what).toEqual(uncached);
    }
  });

  it('with a key, entries it signed are used', async () => {
    const dir = tree();
    const secret = 'protected-branch-secret';
    const uncached = await check(dir, { cached: false });
    await check(dir, { secret });
    // Whoever holds the key can write entries: values changed and signed again are believed, which shows
    // that signed entries are read (a cache that ignored everything would also pass the tests above).
    edit(dir, PARSE, (c) => {
      rewriteValues(c);
      for (const [key, entry] of Object.entries<Json>(c.entries)) {
        const { signature: _, ...rest } = entry;
        entry.signature = createHmac('sha256', secret).update(`${c.format}\u0000`).update(`${key}\u0000${JSON.stringify(rest)}`).digest('base64');
      }
    });
    edit(dir, RESULTS, (c) => (c.files = {}));
    expect(await check(dir, { secret })).not.toEqual(uncached);
  });

  it('with a key, unsigned entries and entries signed with another key are ignored', async () => {
    const dir = tree();
    const uncached = await check(dir, { cached: false });
    await check(dir);
    edit(dir, RESULTS, hideOne);
    expect(await check(dir, { secret: 'ours' })).toEqual(uncached);
    await check(dir, { secret: 'theirs' });
    edit(dir, RESULTS, hideOne);
    expect(await check(dir, { secret: 'ours' })).toEqual(uncached);
  });

  it('without a key, entries of the wrong shape or filed under another input are dropped, never a crash', async () => {
    const dir = tree();
    const uncached = await check(dir, { cached: false });
    const plants: Array<[string, string, (cache: Json) => void]> = [
      ['descriptors of the wrong shape', RESULTS, (c) => {
        const [record, rule] = withFindings(c);
        record.findings[rule] = [{ path: 7, message: null }];
      }],
      ['a related resource of the wrong shape', RESULTS, (c) => {
        const [record, rule] = withFindings(c);
        record.findings[rule][0].related = [{ kind: 1 }];
      }],
      ['a suppression of an unknown kind', RESULTS, (c) => {
        const [record, rule] = withFindings(c);
        record.findings[rule][0].suppressed = { kind: 'planted', justification: 'x' };
      }],
      ['an empty list of findings', RESULTS, (c) => {
        const [record, rule] = withFindings(c);
        record.findings[rule] = [];
      }],
      ['a record that is not an object', RESULTS, (c) => {
        for (const file of Object.values<Json>(c.files)) for (const id of Object.keys(file.resources)) file.resources[id] = 42;
      }],
      ['findings that are not an object', RESULTS, (c) => {
        for (const record of records(c)) record.findings = 'x';
      }],
      ['profiles that are not profiles', RESULTS, (c) => (c.profiles = c.profiles.map(() => 'x'))],
      ['read sets that are not read sets', RESULTS, (c) => (c.reads = c.reads.map(() => null))],
      ['a read-set index out of range', RESULTS, (c) => {
        for (const profile of c.profiles) for (const entry of profile) entry[1] = 9999;
      }],
      ['a profile index out of range', RESULTS, (c) => {
        for (const record of records(c)) record.profile = 9999;
      }],
      ['results moved to another resource', RESULTS, (c) => {
        const all = records(c);
        let i = 0;
        for (const file of Object.values<Json>(c.files)) for (const id of Object.keys(file.resources)) file.resources[id] = all[++i % all.length];
      }],
      ['results moved to another file', RESULTS, (c) => {
        const files = Object.values<Json>(c.files);
        Object.keys(c.files).forEach((name, i) => (c.files[name] = files[(i + 1) % files.length]));
      }],
      ['parse entries of the wrong shape', PARSE, (c) => {
        for (const entry of Object.values<Json>(c.entries)) entry.ranges = { '0': { line: 'x' } };
      }],
      ['parse entries that are not objects', PARSE, (c) => {
        for (const key of Object.keys(c.entries)) c.entries[key] = 42;
      }],
      ['parse entries filed under another text', PARSE, (c) => {
        const entries = Object.values<Json>(c.entries);
        Object.keys(c.entries).forEach((key, i) => (c.entries[key] = entries[(i + 1) % entries.length]));
      }],
      ['files that are not an object', RESULTS, (c) => (c.files = null)],
      ['a file entry that is not one', RESULTS, (c) => {
        for (const name of Object.keys(c.files)) c.files[name] = { hash: 7, resources: [] };
      }],
    ];
    for (const [what, file, plant] of plants) {
      await check(dir);
      edit(dir, file, plant);
      expect(await check(dir), what).toEqual(uncached);
    }
  });

  it('the CLI signs with MESHGUARD_CACHE_KEY when it is set', async () => {
    const dir = tree();
    const run = await runMeshguard(['check', '.', '--cache', '--format', 'json'], { cwd: dir, env: { MESHGUARD_CACHE_KEY: 'from-ci-variable' } });
    expect(run.stderr).toBe('');
    const results = JSON.parse(readFileSync(path.join(dir, RESULTS), 'utf8'));
    expect(records(results).length).toBeGreaterThan(0);
    expect(records(results).every((r) => typeof r.signature === 'string')).toBe(true);
    await runMeshguard(['check', '.', '--cache', '--format', 'json'], { cwd: dir, env: { MESHGUARD_CACHE_KEY: '' } });
    const unsigned = JSON.parse(readFileSync(path.join(dir, RESULTS), 'utf8'));
    expect(records(unsigned).some((r) => 'signature' in r)).toBe(false);
  });
});
