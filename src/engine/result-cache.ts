import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_VERSION } from '../assets.js';
import type { ReportDescriptor, Resource } from '../model/types.js';

/** Per resource id, per rule id: [index into `reads`, the rule's descriptors]. */
type StoredResults = Record<string, Record<string, [number, ReportDescriptor[]]>>;

interface StoredFile {
  hash: string;
  /** `Kind` and `Kind@namespace` of every resource the file held. */
  scopes: string[];
}

interface CacheFile {
  key: string;
  files: Record<string, StoredFile>;
  /** Distinct sets of what rules read (most rules read the same few sets): referenced by index. */
  reads: string[][];
  results: StoredResults;
}

/**
 * Rule results between runs (`--cache`). A (rule, resource) result is replayed when the resource's file
 * is unchanged and nothing the rule read changed: the engine records which kinds (and namespaces) each
 * rule read from the inventory, the same tracking that lets admission requests reuse the snapshot's
 * views. Everything else is recomputed, so a cached run reports exactly what an uncached run does.
 */
export class RuleResultCache {
  private readonly results: StoredResults = {};
  private readonly readSets: string[][] = [];
  private readonly readSetIndex = new Map<string, number>();
  private readonly changed: Set<string>;
  private readonly anythingChanged: boolean;
  /**
   * Per read set of the previous run: still valid, and its index in this run's sets. Tens of thousands
   * of results share a handful of read sets, so each set is judged once, not once per result.
   */
  private readonly previousValid = new Map<number, boolean>();
  private readonly previousIndex = new Map<number, number>();

  private constructor(
    private readonly location: string,
    private readonly key: string,
    private readonly previous: CacheFile | undefined,
    private readonly files: Record<string, StoredFile>,
  ) {
    this.changed = new Set();
    const before = previous?.files ?? {};
    for (const file of new Set([...Object.keys(before), ...Object.keys(files)])) {
      if (before[file]?.hash === files[file]?.hash) continue;
      for (const scope of [...(before[file]?.scopes ?? []), ...(files[file]?.scopes ?? [])]) this.changed.add(scope);
    }
    this.anythingChanged = this.changed.size > 0 || !previous;
  }

  /**
   * @param key everything else results depend on: meshguard version, configuration, rules, date.
   * @param fileHashes content hash per file of this run.
   */
  static async open(location: string, key: string, fileHashes: ReadonlyMap<string, string>, resources: readonly Resource[]): Promise<RuleResultCache> {
    const files: Record<string, StoredFile> = {};
    for (const [file, hash] of fileHashes) files[file] = { hash, scopes: [] };
    for (const resource of resources) {
      const file = files[resource.source.file];
      if (file) file.scopes.push(resource.kind, `${resource.kind}@${resource.namespace ?? ''}`);
    }
    let previous: CacheFile | undefined;
    try {
      const stored = JSON.parse(await readFile(location, 'utf8')) as CacheFile;
      if (stored.key === key && stored.files && stored.results && Array.isArray(stored.reads)) previous = stored;
    } catch {
      // No usable cache: every result is computed.
    }
    return new RuleResultCache(location, key, previous, files);
  }

  static keyOf(parts: unknown): string {
    return createHash('sha1').update(`${PACKAGE_VERSION}\u0000${JSON.stringify(parts)}`).digest('hex');
  }

  /** The stored findings of this rule on this resource, when they are still valid. */
  lookup(ruleId: string, resource: Resource): ReportDescriptor[] | undefined {
    const previous = this.previous;
    const stored = previous?.results[resource.id]?.[ruleId];
    if (!previous || !stored) return undefined;
    // A result belongs to its file's content: valid only while that file is unchanged.
    if (previous.files[resource.source.file]?.hash !== this.files[resource.source.file]?.hash) return undefined;
    const at = stored[0];
    let valid = this.previousValid.get(at);
    if (valid === undefined) {
      const reads = previous.reads[at] ?? ['*'];
      valid = !reads.some((read) => (read === '*' ? this.anythingChanged : this.changed.has(read)));
      this.previousValid.set(at, valid);
    }
    if (!valid) return undefined;
    let index = this.previousIndex.get(at);
    if (index === undefined) this.previousIndex.set(at, (index = this.readSetOf(previous.reads[at] ?? ['*'])));
    (this.results[resource.id] ??= {})[ruleId] = [index, stored[1]];
    return stored[1];
  }

  store(ruleId: string, resource: Resource, descriptors: ReportDescriptor[], reads: ReadonlySet<string>): void {
    if (!this.files[resource.source.file]) return;
    (this.results[resource.id] ??= {})[ruleId] = [this.readSetOf([...reads].sort()), descriptors];
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

  async save(): Promise<void> {
    const data: CacheFile = { key: this.key, files: this.files, reads: this.readSets, results: this.results };
    await mkdir(path.dirname(this.location), { recursive: true });
    const temporary = `${this.location}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(data));
    await rename(temporary, this.location);
  }
}
