import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { besideCacheFile, writeAtomically } from '../load/cache-files.js';
import type { CacheSigner } from '../load/cache-signing.js';
import type { LoadProblem } from '../load/problems.js';
import type { Finding, JsonPath, RelatedResource, Resource, ResourceRef } from '../model/types.js';
import { relatedAt, refOf, toJsonPointer } from '../model/refs.js';
import { compareFindings, type CheckedPair } from './evaluate.js';
import { assignFingerprints } from './fingerprint.js';
import { valueDigest, type RuleResultCache } from './result-cache.js';
import type { EffectiveRuleSetting } from './settings.js';

/**
 * The whole previous `--cache` run, for a run in which no parsed value changed (nothing edited, or only
 * comments and layout): its findings are replayed as they were, but for the positions of those in the
 * files whose text changed, which are located again in those files' new parse. Such a run reads and hashes
 * every file, parses the changed ones, and evaluates no rule at all.
 *
 * Exactness rests on what the per-result cache (result-cache.ts) already relies on: a rule's result depends
 * on the parsed values of the tree and on the text of the files it asked positions of. A run is replayed
 * only when the cache key (version, configuration, rules, date, inputs) is the same, the same files are
 * selected in the same order, each file's text hashes as it did or its resources (ids and value digests,
 * in order) are the same, and no changed file is one whose text a result depends on (a rule that located
 * a node, a finding inside embedded code, a finding whose position could not be worked out again from its
 * resource and path). Anything else takes the ordinary path, which writes a new record.
 */

/** [path, content hash (null: the file could not be read), digest of its resources' ids and values, text-dependent]. */
type StoredFile = [string, string | null, string | null, 0 | 1];

interface StoredFinding {
  /** The finding as reported, without its fingerprint (assigned again after sorting). */
  finding: Omit<Finding, 'fingerprint'>;
  /** The resource it is about (by id) and the path located in it: enough to locate it again in a changed file. */
  at?: [string, JsonPath];
  /** Related entries whose position the engine worked out from a resource of the tree: [index, resource id]. */
  related?: Array<[number, string]>;
}

interface RunBody {
  key: string;
  files: StoredFile[];
  resources: number;
  /** The distinct lists of rules run on a resource, in order. */
  ruleLists: string[][];
  /** Per resource evaluated, in order: [file, apiVersion, kind, namespace or null, name, index into ruleLists]. */
  checked: Array<[string, string, string, string | null, string, number]>;
  findings: StoredFinding[];
}

/** What the record file holds: the checked pairs are in a file of their own, named by digest. */
type StoredMain = Omit<RunBody, 'ruleLists' | 'checked'> & { checked: string };

const FORMAT = 'meshguard-run-record/1';

/** `parse.run.json` -> `parse.run.checked.json`. */
const checkedLocation = (location: string): string => besideCacheFile(location, 'checked');

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

export class RunRecord {
  private constructor(
    private readonly location: string,
    private readonly body: StoredMain,
  ) {}

  /**
   * The record at `location` if it is this run's format and key and (with a signer) signed by it. Its checked
   * pairs are read only once a replay is possible: a run after a value edit pays for the small file alone.
   */
  static async open(location: string, key: string, signer: CacheSigner | undefined): Promise<RunRecord | undefined> {
    let text: string;
    try {
      text = await readFile(location, 'utf8');
    } catch {
      return undefined;
    }
    const newline = text.indexOf('\n');
    if (newline < 0) return undefined;
    const bodyText = text.slice(newline + 1);
    try {
      const header = JSON.parse(text.slice(0, newline)) as { format?: unknown; key?: unknown; signature?: unknown } | null;
      // The key is compared before the body is parsed: a record of another configuration or date costs one line.
      if (header?.format !== FORMAT || header.key !== key) return undefined;
      // A record written with a key is replaced by a run without one, and the reverse, like the other caches.
      if (Boolean(signer) !== (header.signature !== undefined)) return undefined;
      if (signer && !signer.verify(FORMAT, bodyText, header.signature)) return undefined;
      const body = JSON.parse(bodyText) as unknown;
      return isStoredMain(body) && body.key === key ? new RunRecord(location, body) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The digest of each file's values by path and content hash. */
  valueDigests(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [file, hash, values] of this.body.files) if (hash !== null && values !== null) out.set(`${file}\u0000${hash}`, values);
    return out;
  }

  /** Whether the checked pairs' file was found to be the one the record names (undefined: not read). */
  private checkedFound: boolean | undefined;

  /** The checked pairs the (signed) record names by digest: another run's file is not taken for this one's. */
  private async checkedPairs(): Promise<Pick<RunBody, 'ruleLists' | 'checked'> | undefined> {
    this.checkedFound = false;
    try {
      const text = await readFile(checkedLocation(this.location), 'utf8');
      if (sha256(text) !== this.body.checked) return undefined;
      const pairs = JSON.parse(text) as unknown;
      if (!isCheckedPairs(pairs)) return undefined;
      this.checkedFound = true;
      return pairs;
    } catch {
      return undefined;
    }
  }

  /**
   * Written in two files: the checked pairs (~9,500 resources' worth on the bench tree) only change when rules
   * run, so a replay rewrites the small one (file hashes, findings) and names the other by its digest.
   */
  static async save(location: string, body: RunBody, signer: CacheSigner | undefined, checkedDigest?: string, previous?: RunRecord): Promise<void> {
    const { ruleLists, checked, ...rest } = body;
    let digest = checkedDigest;
    if (digest === undefined) {
      const checkedText = JSON.stringify({ ruleLists, checked });
      digest = sha256(checkedText);
      // After a value edit the same rules usually ran on the same resources: the file is then left as it is,
      // unless this run found it is not what the previous record names (a run that never read it trusts the
      // digest: a wrong file is found, and written again, by the next run that tries to replay).
      if (digest !== previous?.body.checked || previous.checkedFound === false) await writeAtomically(checkedLocation(location), checkedText);
    }
    const main: StoredMain = { ...rest, checked: digest };
    const bodyText = JSON.stringify(main);
    const header = { format: FORMAT, key: body.key, ...(signer ? { signature: signer.sign(FORMAT, bodyText) } : {}) };
    await writeAtomically(location, `${JSON.stringify(header)}\n${bodyText}`);
  }

  /**
   * This run's outcome from the record, or undefined when it cannot be replayed exactly.
   * @param files the files selected, in order, with their content hash (undefined: not read).
   * @param parse parses a changed file as the loader does.
   * @param fresh the problems of this run that are not a parse's: files refused or unreadable.
   */
  async replay(input: {
    files: ReadonlyArray<{ path: string; hash: string | undefined; text: string | undefined }>;
    parse: (file: string, text: string) => { resources: Resource[]; problems: LoadProblem[] };
    fresh: readonly LoadProblem[];
    settings: ReadonlyMap<string, EffectiveRuleSetting>;
    signer: CacheSigner | undefined;
  }): Promise<{ findings: Finding[]; checked: () => CheckedPair[]; resources: number; save: () => Promise<void> } | undefined> {
    const stored = this.body.files;
    if (stored.length !== input.files.length) return undefined;
    const changed = new Map<string, Map<string, Resource>>();
    const problems: LoadProblem[] = [...input.fresh];
    const files: StoredFile[] = [];
    for (let i = 0; i < stored.length; i++) {
      const [file, hash, values, textDependent] = stored[i]!;
      const now = input.files[i]!;
      if (now.path !== file || (hash === null) !== (now.hash === undefined)) return undefined;
      if (now.hash === undefined || now.hash === hash) {
        files.push(stored[i]!);
        continue;
      }
      if (textDependent) return undefined;
      const parsed = input.parse(file, now.text!);
      if (filesDigest(parsed.resources, valueDigest) !== values) return undefined;
      changed.set(file, new Map(parsed.resources.map((r) => [r.id, r])));
      for (const problem of parsed.problems) problems.push(problem);
      files.push([file, now.hash, values, 0]);
    }
    const readable = new Set(files.filter((f) => f[1] !== null).map((f) => f[0]));

    const raw: Omit<Finding, 'fingerprint'>[] = [];
    for (const problem of problems) {
      const setting = input.settings.get(problem.ruleId);
      if (setting && !setting.enabled) continue;
      raw.push({ ruleId: problem.ruleId, messageId: problem.messageId, severity: setting?.severityOverride ?? problem.severity, message: problem.message, file: problem.file, ...problem.range, path: '' });
    }
    const findings: StoredFinding[] = [];
    const moved: Array<{ before: string; finding: Omit<Finding, 'fingerprint'> }> = [];
    for (const entry of this.body.findings) {
      let finding = entry.finding;
      // A problem of the loader: this run's own when its file changed or was not read.
      if (!finding.resource) {
        if (!readable.has(finding.file) || changed.has(finding.file)) continue;
        raw.push(finding);
        findings.push(entry);
        continue;
      }
      const resources = changed.get(finding.file);
      if (resources) {
        const resource = entry.at ? resources.get(entry.at[0]) : undefined;
        if (!entry.at || !resource) return undefined;
        const range = resource.source.locate(entry.at[1]);
        if (range.file !== undefined) return undefined;
        const before = tieKey(finding);
        finding = { ...finding, line: range.line, column: range.column, endLine: range.endLine, endColumn: range.endColumn };
        moved.push({ before, finding });
      }
      if (entry.related && finding.related) {
        let related: RelatedResource[] | undefined;
        for (const [index, id] of entry.related) {
          const was = finding.related[index]!;
          const resources = changed.get(was.file!);
          if (!resources) continue;
          const resource = resources.get(id);
          if (!resource) return undefined;
          (related ??= [...finding.related])[index] = { ...was, ...positionOf(resource) };
        }
        if (related) finding = { ...finding, related };
      }
      raw.push(finding);
      findings.push(finding === entry.finding ? entry : { ...entry, finding });
    }
    // The engine orders findings that sort equal (same place, rule and message) by when they were reported,
    // which a replay does not know: findings that come to sort equal only now are left to the engine.
    const ties = new Map<string, string>();
    for (const { before, finding } of moved) {
      const now = tieKey(finding);
      const other = ties.get(now);
      if (other !== undefined && other !== before) return undefined;
      ties.set(now, before);
    }
    const pairs = await this.checkedPairs();
    if (!pairs) return undefined;
    raw.sort(compareFindings);
    const body: RunBody = { ...this.body, ...pairs, files, findings };
    const rewrite = changed.size > 0;
    return {
      findings: assignFingerprints(raw),
      checked: () => checkedOf(pairs),
      resources: this.body.resources,
      save: () => (rewrite ? RunRecord.save(this.location, body, input.signer, this.body.checked) : Promise.resolve()),
    };
  }
}

/**
 * This run's record, when the run can be replayed later: every resource's results were judged by the result
 * cache, and each finding can be located again from its resource and path. Undefined when a finding does not
 * survive JSON as it is (it is then never replayed).
 */
export function recordOfRun(input: {
  key: string;
  files: ReadonlyArray<{ path: string; hash: string | undefined }>;
  resources: readonly Resource[];
  resultCache: RuleResultCache;
  findings: readonly Finding[];
  checked: readonly CheckedPair[];
  resourceCount: number;
  /** The record this run found: a file whose text hashes as it did then holds the same values. */
  previous?: RunRecord | undefined;
}): RunBody | undefined {
  const byFile = new Map<string, Resource[]>();
  for (const resource of input.resources) {
    const list = byFile.get(resource.source.file);
    if (list) list.push(resource);
    else byFile.set(resource.source.file, [resource]);
  }
  const textDependent = input.resultCache.textDependentFiles();
  const findings: StoredFinding[] = [];
  for (const { fingerprint: _, ...finding } of input.findings) {
    if (!jsonExact(finding) || Object.keys(finding).some((k) => !FINDING_KEYS.has(k))) return undefined;
    const entry: StoredFinding = { finding };
    if (finding.resource) {
      const resource = only(byFile.get(finding.file), finding.resource, true);
      const at = resource ? pathIn(resource.object, finding.path) : undefined;
      const range = resource && at ? resource.source.locate(at) : undefined;
      if (at && range && range.file === undefined && range.line === finding.line && range.column === finding.column && range.endLine === finding.endLine && range.endColumn === finding.endColumn) {
        entry.at = [resource!.id, at];
      } else {
        textDependent.add(finding.file);
      }
    }
    finding.related?.forEach((r, index) => {
      if (r.file === undefined) return;
      const resource = only(byFile.get(r.file), r, false);
      // The engine adds the position of the resource it looked up to the rule's own reference (see evaluate.ts).
      const expected = resource ? positionOf(resource) : undefined;
      if (resource && expected && expected.file === r.file && expected.line === r.line && expected.column === r.column) (entry.related ??= []).push([index, resource.id]);
      else textDependent.add(r.file);
    });
    findings.push(entry);
  }
  const before = input.previous?.valueDigests();
  const files: StoredFile[] = input.files.map((f) => [
    f.path,
    f.hash ?? null,
    f.hash === undefined ? null : (before?.get(`${f.path}\u0000${f.hash}`) ?? filesDigest(byFile.get(f.path) ?? [], (r) => input.resultCache.valueOf(r))),
    textDependent.has(f.path) ? 1 : 0,
  ]);
  const ruleLists: string[][] = [];
  const listIndex = new Map<string, number>();
  const checked: RunBody['checked'] = [];
  // Resources of one kind are checked by the same rules: the last list of the kind is compared before any is built.
  const lastOfKind = new Map<string, number>();
  const pairs = input.checked;
  for (let i = 0; i < pairs.length; ) {
    const first = pairs[i]!;
    const r = first.resource;
    if (!r) return undefined;
    let j = i;
    while (j < pairs.length && pairs[j]!.resource === r && pairs[j]!.file === first.file) j++;
    let index = lastOfKind.get(r.kind);
    const same = index !== undefined && ruleLists[index]!.length === j - i && ruleLists[index]!.every((id, k) => pairs[i + k]!.ruleId === id);
    if (!same) {
      const rules: string[] = [];
      for (let k = i; k < j; k++) rules.push(pairs[k]!.ruleId);
      const signature = rules.join('\u0000');
      index = listIndex.get(signature);
      if (index === undefined) listIndex.set(signature, (index = ruleLists.push(rules) - 1));
      lastOfKind.set(r.kind, index);
    }
    checked.push([first.file, r.apiVersion, r.kind, r.namespace ?? null, r.name, index!]);
    i = j;
  }
  return { key: input.key, files, resources: input.resourceCount, ruleLists, checked, findings };
}

/** The pairs the engine reports as checked, each resource's sharing one reference object as the engine's do. */
function checkedOf(body: Pick<RunBody, 'ruleLists' | 'checked'>): CheckedPair[] {
  // ~74,000 pairs on the bench tree: indexed loops and two literal shapes, no spread or iterator per resource.
  const { checked, ruleLists } = body;
  let count = 0;
  for (let i = 0; i < checked.length; i++) count += ruleLists[checked[i]![5]]!.length;
  const out = new Array<CheckedPair>(count);
  let n = 0;
  for (let i = 0; i < checked.length; i++) {
    const c = checked[i]!;
    const file = c[0];
    const resource: ResourceRef = c[3] === null ? { apiVersion: c[1], kind: c[2], name: c[4] } : { apiVersion: c[1], kind: c[2], namespace: c[3], name: c[4] };
    const rules = ruleLists[c[5]]!;
    for (let j = 0; j < rules.length; j++) out[n++] = { ruleId: rules[j]!, file, resource };
  }
  return out;
}

/** What the resources of one file are, for telling whether an edit changed any value. */
function filesDigest(resources: readonly Resource[], value: (r: Resource) => string): string {
  // One update per file: 9,500 small updates cost more than the hashing itself.
  let text = '';
  for (const resource of resources) text += `${resource.id}\u0000${value(resource)}\u0000`;
  return sha256(text);
}

/** The one resource of a file with this identity (with `exact`, the same apiVersion too): a name shared within the file cannot be told apart later. */
function only(resources: readonly Resource[] | undefined, ref: ResourceRef, exact: boolean): Resource | undefined {
  let found: Resource | undefined;
  for (const resource of resources ?? []) {
    if (resource.kind !== ref.kind || resource.name !== ref.name || resource.namespace !== ref.namespace || (exact && resource.apiVersion !== ref.apiVersion)) continue;
    if (found) return undefined;
    found = resource;
  }
  if (found && exact && JSON.stringify(refOf(found)) !== JSON.stringify(ref)) return undefined;
  return found;
}

/** The path of a JSON pointer in an object: a segment of digits is an index where the node is a list. */
function pathIn(object: unknown, pointer: string): JsonPath | undefined {
  if (pointer === '') return [];
  const out: Array<string | number> = [];
  let node = object;
  for (const raw of pointer.slice(1).split('/')) {
    const step = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(step)) {
      out.push(Number(step));
      node = node[Number(step)];
    } else {
      out.push(step);
      node = typeof node === 'object' && node !== null && Object.hasOwn(node, step) ? (node as Record<string, unknown>)[step] : undefined;
    }
  }
  return toJsonPointer(out) === pointer ? out : undefined;
}

function positionOf(resource: Resource): Pick<RelatedResource, 'file' | 'line' | 'column'> {
  const { file, line, column } = relatedAt(resource);
  return { file, line, column };
}

function tieKey(f: Omit<Finding, 'fingerprint'>): string {
  return [f.file, f.line, f.column, f.ruleId, f.message].join('\u0000');
}

const FINDING_KEYS = new Set(['ruleId', 'messageId', 'severity', 'message', 'file', 'line', 'column', 'endLine', 'endColumn', 'resource', 'path', 'related', 'missingCompanion', 'suppressed']);

/** Whether JSON gives this value back as it is (no undefined member, no non-finite number). */
function jsonExact(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(jsonExact);
  return Object.values(value).every(jsonExact);
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** The record is input like any cache file: anything of another shape is ignored, never trusted. */
function isStoredMain(value: unknown): value is StoredMain {
  if (typeof value !== 'object' || value === null) return false;
  const b = value as Partial<StoredMain>;
  if (!isString(b.key) || !isString(b.checked) || !Number.isInteger(b.resources) || !Array.isArray(b.files) || !Array.isArray(b.findings)) return false;
  if (!b.files.every((f) => Array.isArray(f) && f.length === 4 && isString(f[0]) && (f[1] === null || isString(f[1])) && (f[2] === null || isString(f[2])) && (f[3] === 0 || f[3] === 1))) return false;
  return b.findings.every(isStoredFinding);
}

function isCheckedPairs(value: unknown): value is Pick<RunBody, 'ruleLists' | 'checked'> {
  if (typeof value !== 'object' || value === null) return false;
  const { ruleLists, checked } = value as Partial<RunBody>;
  if (!Array.isArray(ruleLists) || !Array.isArray(checked)) return false;
  for (const list of ruleLists as unknown[]) {
    if (!Array.isArray(list)) return false;
    for (const id of list as unknown[]) if (typeof id !== 'string') return false;
  }
  const lists = ruleLists.length;
  for (const c of checked as unknown[]) {
    if (!Array.isArray(c) || c.length !== 6 || !isString(c[0]) || !isString(c[1]) || !isString(c[2]) || !(c[3] === null || isString(c[3])) || !isString(c[4])) return false;
    if (!Number.isInteger(c[5]) || (c[5] as number) < 0 || (c[5] as number) >= lists) return false;
  }
  return true;
}

function isStoredFinding(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Partial<StoredFinding>;
  const f = e.finding as Partial<Finding> | undefined;
  if (typeof f !== 'object' || f === null || !isString(f.ruleId) || !isString(f.messageId) || !isString(f.message) || !isString(f.file) || !isString(f.path)) return false;
  if (!['error', 'warning', 'info'].includes(f.severity as string) || ![f.line, f.column, f.endLine, f.endColumn].every((n) => Number.isInteger(n) && (n as number) >= 1)) return false;
  if (f.resource !== undefined && !(typeof f.resource === 'object' && f.resource !== null && isString(f.resource.kind) && isString(f.resource.name) && isString(f.resource.apiVersion))) return false;
  if (f.related !== undefined && !(Array.isArray(f.related) && f.related.every((r) => typeof r === 'object' && r !== null && isString(r.kind) && isString(r.name)))) return false;
  if (e.at !== undefined && !(Array.isArray(e.at) && e.at.length === 2 && isString(e.at[0]) && Array.isArray(e.at[1]) && e.at[1].every((s) => isString(s) || Number.isInteger(s)))) return false;
  const related = f.related?.length ?? 0;
  return e.related === undefined || (Array.isArray(e.related) && e.related.every((p) => Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && p[0] >= 0 && p[0] < related && isString(p[1]) && isString(f.related![p[0]]!.file)));
}
