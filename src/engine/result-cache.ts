import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PACKAGE_VERSION } from '../assets.js';
import { writeAtomically } from '../load/cache-files.js';
import type { CacheSigner } from '../load/cache-signing.js';
import { identityRead, noteKindsRead } from '../model/inventory.js';
import type { JsonPath, ReportDescriptor, Resource } from '../model/types.js';

/**
 * A set of what rules read (`Kind`, `Kind@namespace`, `*` for everything, `file:<path>` for positions in a
 * file), with the digest of what it selected when the results using it were computed.
 */
interface StoredReads {
  reads: string[];
  digest: string;
}

/** One resource's results: the unit that is validated and signed. */
interface StoredResource {
  /** The resource these results are of (a record filed under another resource's id is dropped). */
  id: string;
  /** Digest of the resource's parsed value: results are reused while it is unchanged, whatever the file's comments or layout. */
  value: string;
  /** Index into `profiles`: per rule that ran, the read set its result depends on. */
  profile: number;
  /** The descriptors of the rules that reported something (every other rule of the profile reported nothing). */
  findings?: Record<string, ReportDescriptor[]>;
  /** HMAC of the record (with its id, file, the read sets and digests it relies on) when the cache is signed (MESHGUARD_CACHE_KEY). */
  signature?: string;
}

/** The records of one file's resources, by resource id. */
interface StoredFile {
  /** Content hash of the file when the results were computed: while it is unchanged, each record's `value` is still its resource's. */
  hash: string;
  resources: Record<string, StoredResource>;
}

/** Per rule, in evaluation order: [rule id, index into `reads`]. Most resources of a kind and namespace share one. */
type StoredProfile = Array<[string, number]>;

interface CacheFile {
  format: string;
  key: string;
  /** Distinct read sets (most rules read the same few): referenced by index. */
  reads: StoredReads[];
  profiles: StoredProfile[];
  files: Record<string, StoredFile>;
}

const FORMAT = 'meshguard-results-cache/3';
const NOTHING: readonly ReportDescriptor[] = Object.freeze([]);

/** What a rule read of the tree when it asked where a node of a file is: that file's text. */
const positionsOf = (file: string): string => `file:${file}`;

/**
 * Rule results between runs (`--cache`). A (rule, resource) result is replayed only when it was computed
 * from exactly this run's inputs: the same configuration, rules, version and date (the cache key), the
 * same parsed value of the resource, and the same values of everything the rule read — the engine records
 * what each rule reads (kinds, or kinds in one namespace, as views and lookups ask for them), the same
 * tracking that lets admission requests reuse the snapshot's views, and a read is judged by a digest of
 * the values it selects (identity, load order and parsed value of each resource), not of file bytes: an
 * edit that changes no value (a comment, a reformatting) invalidates nothing, and a value edit invalidates
 * only the results that read that kind in that namespace, or that kind mesh-wide. Positions are text: a
 * rule that asks where a node is depends on that file's text. Anything else is recomputed, so a cached
 * run reports what an uncached run does.
 *
 * The file is untrusted input (a CI cache may come from another branch): a record of the wrong shape is
 * dropped, never a crash. Values that are well formed but wrong can only be told apart with a secret:
 * with a signer, records it did not sign are ignored.
 */
export class RuleResultCache {
  /** This run's read sets, profiles and records, written by `save`. */
  private readonly readSets: string[][] = [];
  private readonly readSetIndex = new Map<string, number>();
  private readonly entries = new Map<Resource, ResourceResults>();
  /** Resources by what a read names, for its digest: indexed on the first read set judged. */
  private partitions: Partitions | undefined;
  /** Per resource of `resources`, its identity and value as a partition's digest takes them: made once, whatever the number of partitions it is in. */
  private readonly pieces: Array<string | undefined> = [];
  private readonly partitionDigests = new Map<string, string>();
  private readonly readDigests = new Map<string, string>();
  /** Per read set and per profile of the previous run, judged once: tens of thousands of results share them. */
  private readonly validReads = new Map<number, number | undefined>();
  private readonly validProfiles = new Map<number, CurrentProfile | undefined>();
  private readonly profileHashes = new Map<number, string | undefined>();
  /** Whether this run's file would differ from the previous one (otherwise it is not rewritten). */
  private changed: boolean;
  private replayedRecords = 0;

  private constructor(
    private readonly location: string,
    private readonly key: string,
    private readonly previous: CacheFile | undefined,
    private readonly signer: CacheSigner | undefined,
    private readonly fileHashes: ReadonlyMap<string, string>,
    private readonly resources: readonly Resource[],
    loaded: ReadonlySet<Resource>,
  ) {
    // A cache written with a key is rewritten without one by a run without it, and the reverse.
    this.changed = !previous || signedCache(previous) !== Boolean(signer);
    for (const resource of resources) {
      const file = fileHashes.get(resource.source.file);
      const stored = file === undefined ? undefined : this.trustedRecord(resource);
      const record = stored?.record;
      // A resource loaded from a file as it was is the value recorded then: no need to serialise it again.
      const value = record && loaded.has(resource) && stored.hash === file ? record.value : valueDigest(resource);
      this.entries.set(resource, new ResourceResults(this, resource, file, value, record?.value === value ? record : undefined));
    }
    trackPositionReads(resources);
  }

  /**
   * @param key everything else results depend on: meshguard version, configuration, rules, date.
   * @param fileHashes content hash per file of this run.
   * @param resources the resources evaluated (the inventory rules read).
   * @param loaded those of them parsed from a file as they are, whose value the file's content hash determines.
   * @param signer when given, only records it signed are used, and every record written is signed.
   */
  static async open(
    location: string,
    key: string,
    fileHashes: ReadonlyMap<string, string>,
    resources: readonly Resource[],
    loaded: readonly Resource[],
    signer?: CacheSigner,
  ): Promise<RuleResultCache> {
    let previous: CacheFile | undefined;
    try {
      const stored = JSON.parse(await readFile(location, 'utf8')) as Partial<CacheFile> | null;
      if (stored?.format === FORMAT && stored.key === key && Array.isArray(stored.reads) && Array.isArray(stored.profiles) && isRecord(stored.files)) previous = stored as CacheFile;
    } catch {
      // No usable cache: every result is computed.
    }
    return new RuleResultCache(location, key, previous, signer, fileHashes, resources, new Set(loaded));
  }

  static keyOf(parts: unknown): string {
    return createHash('sha256').update(`${PACKAGE_VERSION}\u0000${JSON.stringify(parts)}`).digest('hex');
  }

  /** The results of one resource: looked up once per resource, then per rule without further hashing. */
  forResource(resource: Resource): ResourceResults | undefined {
    return this.entries.get(resource);
  }

  /** The digest of a resource's value in this run. */
  valueOf(resource: Resource): string {
    return this.entries.get(resource)?.value ?? valueDigest(resource);
  }

  /**
   * The files whose text, not only values, this run's results depend on: positions a rule asked for, and
   * the files of resources with a finding inside embedded text (located from a line and column in it).
   */
  textDependentFiles(): Set<string> {
    const files = new Set<string>();
    for (const set of this.readSets) for (const read of set) if (read.startsWith('file:')) files.add(read.slice(5));
    for (const entry of this.entries.values()) if (entry.hasTextPositions()) files.add(entry.resource.source.file);
    return files;
  }

  /** The previous run's record of this resource and its file's content hash then, if well formed and (with a signer) signed. */
  private trustedRecord(resource: Resource): { record: StoredResource; hash: string } | undefined {
    const files = this.previous?.files;
    const file = files && Object.hasOwn(files, resource.source.file) ? (files[resource.source.file] as unknown) : undefined;
    if (!isRecord(file) || typeof file.hash !== 'string' || !isRecord(file.resources)) return undefined;
    const record = Object.hasOwn(file.resources, resource.id) ? (file.resources[resource.id] as unknown) : undefined;
    if (!isRecord(record) || record.id !== resource.id || typeof record.value !== 'string' || !Number.isInteger(record.profile) || (record.findings !== undefined && !isRecord(record.findings))) return undefined;
    const trusted = record as unknown as StoredResource;
    if (this.signer && !this.signer.verify(RECORD, this.payloadOf(resource.id, resource.source.file, file.hash, trusted, this.profileHashOf(trusted.profile, this.previous!)), trusted.signature)) return undefined;
    return { record: trusted, hash: file.hash };
  }

  /** @internal A profile of the previous run as rule -> this run's read-set index, for the rules whose reads are unchanged. */
  currentProfile(at: number): CurrentProfile | undefined {
    if (this.validProfiles.has(at)) return this.validProfiles.get(at);
    const stored = this.previous!.profiles[at] as unknown;
    let profile: CurrentProfile | undefined;
    if (Array.isArray(stored)) {
      profile = { at, rules: new Map(), entries: [], length: stored.length };
      for (const entry of stored as unknown[]) {
        if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || !Number.isInteger(entry[1])) {
          profile = undefined;
          break;
        }
        const index = this.currentReadSet(entry[1] as number);
        if (index !== undefined) profile.rules.set(entry[0], index);
        profile.entries.push([entry[0], index]);
      }
    }
    this.validProfiles.set(at, profile);
    return profile;
  }

  /**
   * A read set of the previous run, when what it selects digests as it did then: its index among this
   * run's sets. Undefined when anything it read changed, or the set is malformed.
   */
  private currentReadSet(at: number): number | undefined {
    if (this.validReads.has(at)) return this.validReads.get(at);
    const stored = this.previous!.reads[at] as unknown;
    let index: number | undefined;
    if (isRecord(stored) && Array.isArray(stored.reads) && stored.reads.every((r) => typeof r === 'string')) {
      // ~1,750 read sets per run: their signature is joined once for both lookups.
      const signature = stored.reads.join('\u0000');
      if (stored.digest === this.digestOf(stored.reads as string[], signature)) index = this.readSetOf(stored.reads as string[], signature);
    }
    this.validReads.set(at, index);
    return index;
  }

  /** @internal The index of a read set in this run's list, added when new. */
  readSetOf(reads: readonly string[], signature = reads.join('\u0000')): number {
    let index = this.readSetIndex.get(signature);
    if (index === undefined) {
      index = this.readSets.push([...reads]) - 1;
      this.readSetIndex.set(signature, index);
    }
    return index;
  }

  /** @internal */
  noteChanged(): void {
    this.changed = true;
  }

  /** @internal */
  noteReplayedRecord(): void {
    this.replayedRecords++;
  }

  /** The digest of what a read set selects in this run. */
  private digestOf(reads: readonly string[], signature = reads.join('\u0000')): string {
    let digest = this.readDigests.get(signature);
    if (digest === undefined) {
      let text = JSON.stringify(reads);
      for (const read of reads) text += `\u0000${this.partitionDigest(read)}`;
      this.readDigests.set(signature, (digest = createHash('sha256').update(text).digest('base64')));
    }
    return digest;
  }

  /**
   * What one read selects: a file's text for positions; otherwise the resources the inventory answers such a
   * read from (all of them for `*`, else the Kubernetes ones of that kind, in one namespace with `Kind@ns`,
   * `Kind@` being cluster-scoped ones, of one name with `Kind@ns/name`), each by identity and value, in load
   * order (rules take the first of several copies of an object).
   */
  private partitionDigest(read: string): string {
    let digest = this.partitionDigests.get(read);
    if (digest !== undefined) return digest;
    if (read.startsWith('file:')) {
      digest = `text:${this.fileHashes.get(read.slice(5)) ?? ''}`;
    } else {
      this.partitions ??= new Partitions(this.resources);
      let text = '';
      for (const at of this.partitions.select(read)) text += this.pieces[at] ?? this.pieceOf(at);
      // Only ever hashed again as part of a read set's digest: a partition of one or two objects (a lookup by
      // name) is used as it is, which spares thousands of hash computations per run.
      digest = text.length <= 256 ? `=${text}` : createHash('sha256').update(text).digest('base64');
    }
    this.partitionDigests.set(read, digest);
    return digest;
  }

  private pieceOf(at: number): string {
    const resource = this.resources[at]!;
    return (this.pieces[at] = `${resource.id}\u0000${this.entries.get(resource)!.value}\u0000`);
  }

  /** A profile's content with the read sets and digests it names, hashed: what a record's signature covers of it. */
  private profileHashOf(at: number, file: Pick<CacheFile, 'profiles' | 'reads'>): string {
    const cached = file === this.previous ? this.profileHashes.get(at) : undefined;
    if (cached !== undefined) return cached;
    const profile = file.profiles[at] as unknown;
    const content = Array.isArray(profile)
      ? profile.map((entry: unknown) => {
          if (!Array.isArray(entry) || !Number.isInteger(entry[1])) return null;
          const set = file.reads[entry[1] as number] as Partial<StoredReads> | undefined;
          return [entry[0], set?.reads ?? null, set?.digest ?? null];
        })
      : null;
    const hash = createHash('sha256').update(JSON.stringify(content)).digest('base64');
    if (file === this.previous) this.profileHashes.set(at, hash);
    return hash;
  }

  /** What a record's signature covers: the cache key, the resource, its file and that file's hash, its value, its profile's content, and its descriptors. */
  private payloadOf(id: string, file: string, hash: string, record: StoredResource, profileHash: string): string {
    return JSON.stringify([this.key, id, file, hash, record.value, profileHash, record.findings ?? null]);
  }

  async save(): Promise<void> {
    // Every result of this run is a replay of a record kept whole, and every record was kept: the file would be the same.
    if (!this.changed && this.replayedRecords === countRecords(this.previous)) return;
    const profiles: StoredProfile[] = [];
    const profileIndex = new Map<string, number>();
    const files: Record<string, StoredFile> = {};
    for (const entry of this.entries.values()) {
      const out = entry.toStored();
      if (!out) continue;
      let profile = profileIndex.get(out.key);
      if (profile === undefined) {
        profile = profiles.push(out.rules()) - 1;
        profileIndex.set(out.key, profile);
      }
      const { file } = entry.resource.source;
      const record: StoredResource = { id: entry.resource.id, value: entry.value, profile, ...(out.findings ? { findings: out.findings } : {}) };
      ((files[file] ??= { hash: entry.file!, resources: {} }).resources)[entry.resource.id] = record;
    }
    const reads = this.readSets.map((set) => ({ reads: set, digest: this.digestOf(set) }));
    const data: CacheFile = { format: FORMAT, key: this.key, reads, profiles, files };
    if (this.signer) {
      const hashes = profiles.map((_, i) => this.profileHashOf(i, data));
      for (const [file, { hash, resources }] of Object.entries(files)) {
        for (const [id, record] of Object.entries(resources)) record.signature = this.signer.sign(RECORD, this.payloadOf(id, file, hash, record, hashes[record.profile]!));
      }
    }
    await writeAtomically(this.location, JSON.stringify(data));
  }
}

interface CurrentProfile {
  at: number;
  /** Rule -> this run's read-set index, for the rules whose reads are unchanged. */
  rules: Map<string, number>;
  /** The stored entries in order, with this run's read-set index where the reads are unchanged. */
  entries: Array<[string, number | undefined]>;
  /** Entries stored: a record replayed this many times is this run's record too. */
  length: number;
}

function countRecords(file: CacheFile | undefined): number {
  let count = 0;
  for (const entry of Object.values(file?.files ?? {}) as unknown[]) if (isRecord(entry) && isRecord(entry.resources)) count += Object.keys(entry.resources).length;
  return count;
}

function signedCache(file: CacheFile): boolean {
  for (const entry of Object.values(file.files) as unknown[]) {
    if (!isRecord(entry) || !isRecord(entry.resources)) continue;
    for (const record of Object.values(entry.resources)) return isRecord(record) && typeof record.signature === 'string';
  }
  return false;
}

const RECORD = FORMAT;

/**
 * The results of the rules on one resource in this run: replayed from the previous run's record where still
 * valid, or stored as the rules run.
 */
export class ResourceResults {
  /**
   * [rule id, read-set index, ...] of every result of this run, in evaluation order. Undefined while the results
   * replayed are the previous profile's first entries, in order (what a warm run almost always does): ~240,000
   * results of the bench tree then record nothing but a count.
   */
  private rules: Array<string | number> | undefined;
  private findings: Record<string, ReportDescriptor[]> | undefined;
  private profile: CurrentProfile | undefined | null = null;
  private replayed = 0;
  /** Whether a result was not replayed: the record is then this run's own. */
  private computed = false;

  constructor(
    private readonly cache: RuleResultCache,
    readonly resource: Resource,
    /** The content hash of the resource's file, undefined when it is not one of the files read (nothing is then stored). */
    readonly file: string | undefined,
    /** The digest of the resource's value. */
    readonly value: string,
    private readonly record: StoredResource | undefined,
  ) {}

  /** The stored findings of this rule on this resource, when they were computed from this run's inputs. */
  lookup(ruleId: string): readonly ReportDescriptor[] | undefined {
    if (!this.record) return undefined;
    if (this.profile === null) this.profile = this.cache.currentProfile(this.record.profile);
    const next = this.rules === undefined ? this.profile?.entries[this.replayed] : undefined;
    const index = next && next[0] === ruleId ? next[1] : this.profile?.rules.get(ruleId);
    const stored = index !== undefined && this.record.findings && Object.hasOwn(this.record.findings, ruleId) ? (this.record.findings[ruleId] as unknown) : undefined;
    if (index === undefined || (stored !== undefined && (!isDescriptorList(stored) || stored.length === 0))) {
      this.computed = true;
      this.cache.noteChanged();
      return undefined;
    }
    if (this.rules !== undefined || next?.[0] !== ruleId) this.recorded().push(ruleId, index);
    if (stored) (this.findings ??= {})[ruleId] = stored;
    if (++this.replayed === this.profile!.length && !this.computed) this.cache.noteReplayedRecord();
    return stored ?? NOTHING;
  }

  store(ruleId: string, descriptors: ReportDescriptor[], reads: ReadonlySet<string>): void {
    this.computed = true;
    this.cache.noteChanged();
    if (this.file === undefined) return;
    this.recorded().push(ruleId, this.cache.readSetOf([...reads].sort()));
    if (descriptors.length > 0) (this.findings ??= {})[ruleId] = descriptors;
  }

  /** @internal Whether a finding of this run on the resource is located inside embedded text. */
  hasTextPositions(): boolean {
    if (this.findings === undefined) return false;
    for (const descriptors of Object.values(this.findings)) if (descriptors.some((d) => d.textPosition !== undefined)) return true;
    return false;
  }

  /** This run's results so far, written out once they are no longer the previous profile's first entries. */
  private recorded(): Array<string | number> {
    if (this.rules === undefined) {
      this.rules = [];
      for (const [rule, index] of this.profile?.entries.slice(0, this.replayed) ?? []) this.rules.push(rule, index!);
    }
    return this.rules;
  }

  /**
   * @internal This run's record: its profile, and the key that profile is shared by. A record replayed whole
   * has its previous profile's entries with this run's read-set indices: the same for every record sharing it.
   */
  toStored(): { key: string; rules: () => StoredProfile; findings: Record<string, ReportDescriptor[]> | undefined } | undefined {
    if (this.file === undefined || (this.rules === undefined && this.replayed === 0)) return undefined;
    const rules = (): StoredProfile => {
      const flat = this.recorded();
      const out: StoredProfile = [];
      for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as number]);
      return out;
    };
    if (this.rules === undefined && this.profile && this.replayed === this.profile.length) return { key: `previous\u0001${this.profile.at}`, rules, findings: this.findings };
    return { key: `run\u0001${this.recorded().join('\u0000')}`, rules, findings: this.findings };
  }
}

/**
 * A rule that asks where a node is (a message naming another copy's line) depends on that file's text, not
 * only on its values: noted like an inventory read, so that such results are recomputed when the text moves.
 */
function trackPositionReads(resources: readonly Resource[]): void {
  for (const resource of resources) {
    const source = resource.source as { -readonly [K in keyof Resource['source']]: Resource['source'][K] };
    const read = [positionsOf(source.file)];
    const { locate, locateInText } = source;
    source.locate = (at: JsonPath) => {
      noteKindsRead(read);
      return locate.call(source, at);
    };
    if (locateInText) {
      source.locateInText = (at: JsonPath, line: number, column: number) => {
        noteKindsRead(read);
        return locateInText.call(source, at, line, column);
      };
    }
  }
}

/**
 * The digest of a resource's parsed value. JSON is exact for what YAML produces but for non-finite numbers
 * (`.inf`, `.nan`), which it writes as `null`: a text holding `null` is serialised again telling them apart.
 * Objects that are not read from YAML (a GitLab pipeline merged from its includes) are never taken as unchanged.
 */
let volatile = 0;
export function valueDigest(resource: Resource): string {
  if (resource.family !== 'kubernetes') return `volatile:${process.pid}:${Date.now()}:${volatile++}`;
  let json = JSON.stringify(resource.object);
  if (json.includes('null')) json = JSON.stringify(resource.object, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `\u0000${v}` : v));
  return createHash('sha256').update(json).digest('base64');
}

/**
 * Which resources a read selects, found per read: the inventory answers `Kind`, `Kind@ns` (`Kind@` for
 * cluster-scoped ones) and `Kind@ns/name` (see identityRead) from the Kubernetes resources, `*` from all.
 * Filing each of ~9,500 resources under its three keys up front, most of them never read, cost more than the
 * digests themselves. A kind or namespace holding '@' or '/' makes a read name more than one split: every
 * split is looked up, so a read selects exactly the resources whose key equals it, as filing them would.
 */
export class Partitions {
  /** Indices into the resources, in load order, per kind of a Kubernetes resource. */
  private readonly byKind = new Map<string, number[]>();
  /** Per kind, its indices by namespace ('' when cluster-scoped): grouped when a read first names the kind and more. */
  private readonly byNamespace = new Map<string, Map<string, number[]>>();

  constructor(private readonly resources: readonly Resource[]) {
    for (let i = 0; i < resources.length; i++) if (resources[i]!.family === 'kubernetes') push(this.byKind, resources[i]!.kind, i);
  }

  /** The indices of the resources `read` selects, in load order. */
  select(read: string): readonly number[] {
    if (read === '*') return this.resources.map((_, i) => i);
    const groups: Array<readonly number[]> = [];
    const whole = this.byKind.get(read);
    if (whole) groups.push(whole);
    for (let at = read.indexOf('@'); at >= 0; at = read.indexOf('@', at + 1)) {
      const kind = read.slice(0, at);
      if (!this.byKind.has(kind)) continue;
      const namespaces = this.namespacesOf(kind);
      const rest = read.slice(at + 1);
      const inNamespace = namespaces.get(rest);
      if (inNamespace) groups.push(inNamespace);
      for (let slash = rest.indexOf('/'); slash >= 0; slash = rest.indexOf('/', slash + 1)) {
        const candidates = namespaces.get(rest.slice(0, slash));
        if (!candidates) continue;
        const namespace = rest.slice(0, slash);
        const name = rest.slice(slash + 1);
        // The name compared first: building the key of each of a namespace's resources, for ~4,000 reads by name, cost 40 ms.
        const named = candidates.filter((i) => this.resources[i]!.name === name && identityRead(kind, namespace, name) === read);
        if (named.length > 0) groups.push(named);
      }
    }
    // A resource has one key of each shape, all of different lengths: the groups never share one.
    if (groups.length === 1) return groups[0]!;
    return groups.flat().sort((a, b) => a - b);
  }

  private namespacesOf(kind: string): Map<string, number[]> {
    let namespaces = this.byNamespace.get(kind);
    if (!namespaces) {
      namespaces = new Map();
      for (const i of this.byKind.get(kind)!) push(namespaces, this.resources[i]!.namespace ?? '', i);
      this.byNamespace.set(kind, namespaces);
    }
    return namespaces;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
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
