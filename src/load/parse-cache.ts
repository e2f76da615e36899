import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeAtomically } from './cache-files.js';
import { PACKAGE_VERSION } from '../assets.js';
import type { SourceRange } from '../model/types.js';
import type { CacheSigner } from './cache-signing.js';

interface CachedFile {
  /** The content hash of the text these values were parsed from; must equal the entry's key. */
  input: string;
  /** The documents' values, as the fast parser produced them. */
  values: unknown[];
  /** Positions resolved in earlier runs, by `<document index><JSON pointer>`: positions depend on the text alone. */
  ranges: Record<string, SourceRange>;
}

/** Bump when what is stored changes meaning: old caches are then ignored, never misread. */
const FORMAT = `meshguard-parse-cache/3/${PACKAGE_VERSION}`;

/**
 * One line per entry, `<key>\t<signature>\t<entry JSON>` after a header line: an entry is parsed only when
 * its text is met again, and a run that adds one entry writes every other line back as it read it, instead
 * of serialising every file's values again (2.9 MB for the bench tree, on every edit). JSON never holds a
 * raw line break, so lines cannot run into each other.
 */
const SEPARATOR = '\t';

/**
 * Parsed documents by content hash, kept between runs (`meshguard check --cache`): a re-run after one
 * edit re-parses one file. Only parse results are cached — never findings, which depend on the whole
 * tree, the rules and the configuration — so a cached run reports exactly what an uncached run does.
 */
export class ParseCache {
  private readonly used = new Map<string, CachedFile>();
  /** The lines of entries used as they were read: written back unchanged unless a range was added. */
  private readonly unchanged = new Map<string, string>();
  private readonly hashes = new Map<string, string>();
  private dirty = false;

  private constructor(
    private readonly location: string,
    /** Entry lines of the previous run by key, not parsed yet. */
    private readonly previous: Map<string, string>,
    private readonly signer: CacheSigner | undefined,
  ) {}

  /** @param signer when given, only entries it signed are used, and every entry written is signed. */
  static async open(location: string, signer?: CacheSigner): Promise<ParseCache> {
    const lines = new Map<string, string>();
    try {
      const text = await readFile(location, 'utf8');
      const header = text.indexOf('\n');
      if (header > 0 && text.slice(0, header) === JSON.stringify({ format: FORMAT })) {
        for (let at = header + 1; at < text.length; ) {
          const next = text.indexOf('\n', at);
          const end = next < 0 ? text.length : next;
          const line = text.slice(at, end);
          const tab = line.indexOf(SEPARATOR);
          if (tab > 0) lines.set(line.slice(0, tab), line);
          at = end + 1;
        }
      }
    } catch {
      // A missing, corrupt or foreign cache is the same as an empty one.
    }
    return new ParseCache(location, lines, signer);
  }

  /** SHA-256, not SHA-1: a signed entry vouches for this hash, so two texts must not be made to share one. */
  static keyOf(text: string): string {
    return createHash('sha256').update(text).digest('hex');
  }

  /** `keyOf`, computed once per text of a run (the loader asks for it when parsing and for the result cache). */
  hashOf(text: string): string {
    let hash = this.hashes.get(text);
    if (hash === undefined) this.hashes.set(text, (hash = ParseCache.keyOf(text)));
    return hash;
  }

  /** Hashes the caller already computed (a `--cache` run hashes every text before it opens this cache). */
  knowHashes(hashes: Iterable<readonly [string, string]>): void {
    for (const [text, hash] of hashes) this.hashes.set(text, hash);
  }

  get(key: string): CachedFile | undefined {
    const used = this.used.get(key);
    if (used) return used;
    const line = this.previous.get(key);
    if (line === undefined) return undefined;
    // The cache file is input like any other (a CI cache can come from another branch): an entry of the
    // wrong shape, filed under another text's hash, or (with a key) not signed by us is dropped and the
    // file re-parsed, never trusted and never a crash.
    const tab = line.indexOf(SEPARATOR, key.length + 1);
    if (tab < 0) return undefined;
    const signature = line.slice(key.length + 1, tab);
    const json = line.slice(tab + 1);
    if (this.signer && !this.signer.verify(PURPOSE, payloadOf(key, json), signature)) return undefined;
    let entry: unknown;
    try {
      entry = JSON.parse(json);
    } catch {
      return undefined;
    }
    if (!isCachedFile(entry) || entry.input !== key) return undefined;
    this.used.set(key, entry);
    this.unchanged.set(key, line);
    return entry;
  }

  /** Values that do not survive JSON (Infinity, NaN from `.inf`/`.nan`) are not cached: the file is re-parsed. */
  put(key: string, values: unknown[]): CachedFile | undefined {
    let lossless = true;
    JSON.stringify(values, (_k, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) lossless = false;
      return v;
    });
    if (!lossless) return undefined;
    const entry: CachedFile = { input: key, values, ranges: {} };
    this.used.set(key, entry);
    this.unchanged.delete(key);
    this.dirty = true;
    return entry;
  }

  recordRange(entry: CachedFile, key: string, range: SourceRange): void {
    entry.ranges[key] = range;
    this.unchanged.delete(entry.input);
    this.dirty = true;
  }

  /** Write the entries this run used (files that left the tree drop out); atomic via rename. */
  async save(): Promise<void> {
    if (!this.dirty && this.used.size === this.previous.size) return;
    const lines = [JSON.stringify({ format: FORMAT })];
    for (const [key, entry] of this.used) {
      // A line used as read was verified when read (with a signer); ranges are added during the run, so
      // changed entries are (re)signed as they are written.
      const kept = this.unchanged.get(key);
      if (kept !== undefined) {
        lines.push(kept);
        continue;
      }
      const json = JSON.stringify(entry);
      lines.push(`${key}${SEPARATOR}${this.signer ? this.signer.sign(PURPOSE, payloadOf(key, json)) : ''}${SEPARATOR}${json}`);
    }
    await writeAtomically(this.location, `${lines.join('\n')}\n`);
  }
}

const PURPOSE = FORMAT;

/** What a signature covers: the key the entry is filed under and the entry as written. */
function payloadOf(key: string, json: string): string {
  return `${key}\u0000${json}`;
}

function isCachedFile(value: unknown): value is CachedFile {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Partial<CachedFile>;
  if (typeof entry.input !== 'string' || !Array.isArray(entry.values) || typeof entry.ranges !== 'object' || entry.ranges === null || Array.isArray(entry.ranges)) return false;
  return Object.values(entry.ranges).every(
    (r) => typeof r === 'object' && r !== null && ['line', 'column', 'endLine', 'endColumn'].every((k) => Number.isInteger((r as unknown as Record<string, unknown>)[k]) && ((r as unknown as Record<string, number>)[k]!) >= 1),
  );
}
