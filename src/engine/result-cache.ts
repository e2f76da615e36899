import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_VERSION } from '../assets.js';
import type { CacheSigner } from '../load/cache-signing.js';
import type { ReportDescriptor, Resource } from '../model/types.js';

/**
 * A set of what rules read from the inventory (`Kind`, `Kind@namespace`, `*` for everything), with the
 * digest of the files holding such resources when the results using it were computed.
 */
interface StoredReads {
  reads: string[];
  digest: string;
}

/** One resource's results: the unit that is validated and signed. */
interface StoredResource {
  /** The resource these results are of (a record filed under another resource's id is dropped). */
  id: string;
  file: string;
  /** Content hash of `file` when the results were computed. */
  hash: string;
  /** Per rule id: [index into `reads`, the rule's descriptors]. */
  rules: Record<string, [number, ReportDescriptor[]]>;
  /** HMAC of the record (with the digests it relies on) when the cache is signed (MESHGUARD_CACHE_KEY). */
  signature?: string;
}

interface CacheFile {
  format: string;
  key: string;
  /** Distinct read sets (most rules read the same few): referenced by index. */
  reads: StoredReads[];
  results: Record<string, StoredResource>;
}

const FORMAT = 'meshguard-results-cache/2';

/**
 * Rule results between runs (`--cache`). A (rule, resource) result is replayed only when it was computed
 * from exactly this run's inputs: the same configuration, rules, version and date (the cache key), the
 * same content of the resource's file, and the same content of every file holding resources of a kind
 * (and namespace) the rule read — the engine records what each rule reads, the same tracking that lets
 * admission requests reuse the snapshot's views. Each of these is a hash recorded beside the result and
 * compared with this run's; anything else is recomputed, so a cached run reports what an uncached run does.
 *
 * The file is untrusted input (a CI cache may come from another branch): a record of the wrong shape is
 * dropped, never a crash. Values that are well formed but wrong can only be told apart with a secret:
 * with a signer, records it did not sign are ignored.
 */
export class RuleResultCache {
  private readonly results: Record<string, StoredResource> = {};
  private readonly readSets: string[][] = [];
  private readonly readSetIndex = new Map<string, number>();
  /** Files of this run: content hash and the scopes (`Kind`, `Kind@namespace`) of the resources they hold. */
  private readonly files = new Map<string, { hash: string; scopes: Set<string> }>();
  private readonly digests = new Map<string, string>();
  private sortedFiles: string[] | undefined;
  /** Per record and per read set of the previous run, judged once: tens of thousands of results share them. */
  private readonly trustedRecords = new Map<string, StoredResource | undefined>();
  private readonly validReads = new Map<number, number | undefined>();

  private constructor(
    private readonly location: string,
    private readonly key: string,
    private readonly previous: CacheFile | undefined,
    private readonly signer: CacheSigner | undefined,
    fileHashes: ReadonlyMap<string, string>,
    resources: readonly Resource[],
  ) {
    for (const [file, hash] of fileHashes) this.files.set(file, { hash, scopes: new Set() });
    for (const resource of resources) {
      const scopes = this.files.get(resource.source.file)?.scopes;
      scopes?.add(resource.kind).add(`${resource.kind}@${resource.namespace ?? ''}`);
    }
  }

  /**
   * @param key everything else results depend on: meshguard version, configuration, rules, date.
   * @param fileHashes content hash per file of this run.
   * @param signer when given, only records it signed are used, and every record written is signed.
   */
  static async open(location: string, key: string, fileHashes: ReadonlyMap<string, string>, resources: readonly Resource[], signer?: CacheSigner): Promise<RuleResultCache> {
    let previous: CacheFile | undefined;
    try {
      const stored = JSON.parse(await readFile(location, 'utf8')) as Partial<CacheFile> | null;
      if (stored?.format === FORMAT && stored.key === key && Array.isArray(stored.reads) && isRecord(stored.results)) previous = stored as CacheFile;
    } catch {
      // No usable cache: every result is computed.
    }
    return new RuleResultCache(location, key, previous, signer, fileHashes, resources);
  }

  static keyOf(parts: unknown): string {
    return createHash('sha256').update(`${PACKAGE_VERSION}\u0000${JSON.stringify(parts)}`).digest('hex');
  }

  /** The stored findings of this rule on this resource, when they were computed from this run's inputs. */
  lookup(ruleId: string, resource: Resource): ReportDescriptor[] | undefined {
    const record = this.trustedRecord(resource);
    if (!record || !Object.hasOwn(record.rules, ruleId)) return undefined;
    const stored = record.rules[ruleId];
    if (!Array.isArray(stored) || stored.length !== 2 || !Number.isInteger(stored[0]) || !isDescriptorList(stored[1])) return undefined;
    const index = this.currentReadSet(stored[0]);
    if (index === undefined) return undefined;
    (this.results[resource.id] ??= { id: resource.id, file: resource.source.file, hash: record.hash, rules: {} }).rules[ruleId] = [index, stored[1]];
    return stored[1];
  }

  store(ruleId: string, resource: Resource, descriptors: ReportDescriptor[], reads: ReadonlySet<string>): void {
    const file = this.files.get(resource.source.file);
    if (!file) return;
    (this.results[resource.id] ??= { id: resource.id, file: resource.source.file, hash: file.hash, rules: {} }).rules[ruleId] = [this.readSetOf([...reads].sort()), descriptors];
  }

  /** The previous run's record of this resource, if well formed, signed (with a signer) and computed from this file's content. */
  private trustedRecord(resource: Resource): StoredResource | undefined {
    if (this.trustedRecords.has(resource.id)) return this.trustedRecords.get(resource.id);
    let trusted: StoredResource | undefined;
    const results = this.previous?.results;
    const record = results && Object.hasOwn(results, resource.id) ? results[resource.id] : undefined;
    if (
      isRecord(record) &&
      record.id === resource.id &&
      record.file === resource.source.file &&
      typeof record.hash === 'string' &&
      record.hash === this.files.get(resource.source.file)?.hash &&
      isRecord(record.rules) &&
      (!this.signer || this.signer.verify(FORMAT, this.payloadOf(record, this.previous!.reads), record.signature))
    ) {
      trusted = record;
    }
    this.trustedRecords.set(resource.id, trusted);
    return trusted;
  }

  /**
   * A read set of the previous run, when the files it selects hash as they did then: its index among this
   * run's sets. Undefined when anything it read changed, or the set is malformed.
   */
  private currentReadSet(at: number): number | undefined {
    if (this.validReads.has(at)) return this.validReads.get(at);
    const stored = this.previous!.reads[at];
    let index: number | undefined;
    if (isRecord(stored) && Array.isArray(stored.reads) && stored.reads.every((r) => typeof r === 'string') && stored.digest === this.digestOf(stored.reads as string[])) {
      index = this.readSetOf(stored.reads as string[]);
    }
    this.validReads.set(at, index);
    return index;
  }

  /** The hash of what a read set selects in this run: each file holding such resources (every file for `*`), with its content hash. */
  private digestOf(reads: readonly string[]): string {
    const signature = reads.join('\u0000');
    let digest = this.digests.get(signature);
    if (digest === undefined) {
      const all = reads.includes('*');
      const hash = createHash('sha256').update(JSON.stringify(reads));
      this.sortedFiles ??= [...this.files.keys()].sort();
      for (const file of this.sortedFiles) {
        const { hash: content, scopes } = this.files.get(file)!;
        if (all || reads.some((read) => scopes.has(read))) hash.update(`\u0000${file}\u0000${content}`);
      }
      this.digests.set(signature, (digest = hash.digest('hex')));
    }
    return digest;
  }

  /** The index of a (sorted) read set in this run's list, added when new. */
  private readSetOf(reads: readonly string[]): number {
    const signature = reads.join('\u0000');
    let index = this.readSetIndex.get(signature);
    if (index === undefined) {
      index = this.readSets.push([...reads]) - 1;
      this.readSetIndex.set(signature, index);
    }
    return index;
  }

  /**
   * What a record's signature covers: the cache key, the resource, its file and content hash, and per rule
   * the read set and its digest (not its index, which only means something inside one file) and descriptors.
   */
  private payloadOf(record: StoredResource, reads: readonly unknown[]): string {
    const rules = Object.keys(record.rules)
      .sort()
      .map((rule) => {
        const entry = record.rules[rule] as unknown;
        const set = Array.isArray(entry) && Number.isInteger(entry[0]) ? (reads[entry[0] as number] as Partial<StoredReads> | undefined) : undefined;
        return [rule, set?.reads ?? null, set?.digest ?? null, Array.isArray(entry) ? entry[1] : null];
      });
    return JSON.stringify([this.key, record.id, record.file, record.hash, rules]);
  }

  async save(): Promise<void> {
    const reads = this.readSets.map((set) => ({ reads: set, digest: this.digestOf(set) }));
    if (this.signer) for (const record of Object.values(this.results)) record.signature = this.signer.sign(FORMAT, this.payloadOf(record, reads));
    const data: CacheFile = { format: FORMAT, key: this.key, reads, results: this.results };
    await mkdir(path.dirname(this.location), { recursive: true });
    const temporary = `${this.location}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(data));
    await rename(temporary, this.location);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> & Partial<StoredResource> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SEVERITIES = new Set(['error', 'warning', 'info']);
const SUPPRESSIONS = new Set(['waiver', 'baseline', 'exception']);
const RELATED_KEYS = new Set(['apiVersion', 'kind', 'namespace', 'name', 'file', 'line', 'column']);

const optional = (value: unknown, test: (v: unknown) => boolean): boolean => value === undefined || test(value);
const isString = (v: unknown): boolean => typeof v === 'string';
const isPositive = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;

/** The shape the engine and the reporters rely on: anything else in a cache would crash them or leak into reports. */
function isDescriptorList(value: unknown): value is ReportDescriptor[] {
  return Array.isArray(value) && value.every(isDescriptor);
}

function isDescriptor(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const d = value as Record<string, unknown>;
  return (
    Array.isArray(d.path) &&
    d.path.every((step) => typeof step === 'string' || (Number.isInteger(step) && (step as number) >= 0)) &&
    isString(d.message) &&
    isString(d.messageId) &&
    optional(d.textPosition, (p) => isRecord(p) && isPositive(p.line) && isPositive(p.column)) &&
    optional(d.severity, (s) => SEVERITIES.has(s as string)) &&
    optional(d.missingCompanion, (b) => typeof b === 'boolean') &&
    optional(d.suppressed, (s) => isRecord(s) && SUPPRESSIONS.has(s.kind as string) && isString(s.justification) && optional(s.expires, isString)) &&
    optional(d.related, (list) => Array.isArray(list) && list.every(isRelated))
  );
}

function isRelated(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const r = value as Record<string, unknown>;
  return (
    Object.keys(r).every((k) => RELATED_KEYS.has(k)) &&
    isString(r.apiVersion) &&
    isString(r.kind) &&
    isString(r.name) &&
    optional(r.namespace, isString) &&
    optional(r.file, isString) &&
    optional(r.line, isPositive) &&
    optional(r.column, isPositive)
  );
}
