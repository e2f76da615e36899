import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import { CODE_TREE, packageUrl } from '../assets.js';
import { countDocumentStarts, joinPreparsed, preparse, splitPoints, type Preparsed } from './preparse.js';

/**
 * Parsing on several cores, on request (MESHGUARD_PARSE_THREADS): the files (and pieces of big files, cut at
 * document markers) are handed out in chunks through one shared counter, to this thread and to parse
 * threads alike, so whichever is free takes the next one; results land by chunk number, so nothing depends
 * on which thread parsed what.
 *
 * A thread returns values by structured clone and positions as one flat array (see `encodeIndex`), and only
 * for files with nothing to report: anything else is left undefined and parsed on the main thread by the
 * code that always did, so findings and their messages do not depend on threads at all.
 *
 * Off by default: on the 2-core machine one thread did not pay. Each thread compiles js-yaml's hot code
 * again (a cold parse of the bench tree is about twice a warm one) and its values are cloned back, so the
 * CPU time of parsing with positions nearly doubled: bench tree 379-532 ms on one thread, 683-988 ms with one
 * parse thread; the CRD bundle 578-656 ms, 1,017-1,229 ms. Even with the second core idle (never the case while
 * measuring: the machine was shared) the elapsed time could at best be half of that, no better than one
 * thread. More idle cores may change that: `auto` takes those idle at the start (see idleCores).
 */

const THREAD_SCRIPT = packageUrl(`${CODE_TREE}/load/parse-thread.js`);

/**
 * With `auto`, below this much YAML no thread is started: a thread was ready to parse 123-161 ms after its
 * start (measured at a load average of 14), by when this thread, at js-yaml's few MB/s, has parsed most of a
 * smaller input. An estimate, not a measured crossover (there was none to measure on two shared cores).
 */
const MIN_BYTES = 1024 * 1024;
/** Files grouped into chunks of about this many characters: small enough to balance the threads' work. */
const CHUNK_CHARS = 96 * 1024;
/** A file bigger than this is cut into pieces of about this size, parsed apart. */
const PIECE_CHARS = 512 * 1024;

export interface ParseUnit {
  file: number;
  start: number;
  end: number;
}

/** The message a parse thread gets. */
export interface ThreadJob {
  texts: readonly (string | undefined)[];
  chunks: ParseUnit[][];
  counter: SharedArrayBuffer;
  maxObjects: number;
}

/** One chunk's parses, from a parse thread. */
export interface ThreadResult {
  chunk: number;
  results: (Preparsed | undefined)[];
}

/**
 * Parse threads started early (before the files are read, so that their start overlaps reading), or
 * undefined when none is asked for (or, with `auto`, when the input is small or no core is idle).
 */
export class ParseThreads {
  private constructor(private readonly workers: Worker[]) {}

  static start(totalBytes: number): ParseThreads | undefined {
    const setting = process.env.MESHGUARD_PARSE_THREADS;
    const wanted = setting === 'auto' ? (totalBytes >= MIN_BYTES ? idleCores() : 0) : Number(setting ?? 0);
    // Running from the TypeScript sources (tests) there is no compiled thread script: parse here. A load in a
    // thread already (the webhook's evaluation threads) leaves the other cores to the other threads.
    if (!(wanted > 0) || !isMainThread || !existsSync(fileURLToPath(THREAD_SCRIPT))) return undefined;
    const workers: Worker[] = [];
    for (let i = 0; i < wanted; i++) {
      const worker = new Worker(THREAD_SCRIPT);
      // A thread that fails is only a thread less: its chunks are parsed here.
      worker.on('error', () => undefined);
      // Until it has work: a run that stops before (an error) must not be kept alive by it.
      worker.unref();
      workers.push(worker);
    }
    return new ParseThreads(workers);
  }

  /**
   * The preparse of each text (undefined where the main thread must parse it itself, or for texts not
   * given). Texts over `maxObjects` documents are not parsed anywhere here: the caller refuses them.
   */
  async preparse(texts: readonly (string | undefined)[], maxObjects: number): Promise<(Preparsed | undefined)[]> {
    const units: ParseUnit[] = [];
    texts.forEach((text, file) => {
      if (text === undefined) return;
      if (text.length <= PIECE_CHARS) return void units.push({ file, start: 0, end: text.length });
      if (countDocumentStarts(text) > maxObjects) return;
      let start = 0;
      for (const point of splitPoints(text, Math.ceil(text.length / PIECE_CHARS))) {
        units.push({ file, start, end: point });
        start = point;
      }
      units.push({ file, start, end: text.length });
    });
    const chunks = chunksOf(units);
    const counter = new SharedArrayBuffer(4);
    const claims = new Int32Array(counter);
    const results: ((Preparsed | undefined)[] | undefined)[] = new Array(chunks.length);
    const finished = this.workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          worker.on('message', (message: ThreadResult | 'done') => {
            if (message === 'done') resolve();
            else results[message.chunk] = message.results;
          });
          worker.once('exit', () => resolve());
          worker.once('error', () => resolve());
        }),
    );
    const job: ThreadJob = { texts, chunks, counter, maxObjects };
    for (const worker of this.workers) {
      // Waited for now: with nothing else pending, an unreferenced thread would let the process exit first.
      worker.ref();
      worker.postMessage(job);
    }
    for (let chunk = Atomics.add(claims, 0, 1); chunk < chunks.length; chunk = Atomics.add(claims, 0, 1)) {
      results[chunk] = parseChunk(texts, chunks[chunk]!, maxObjects);
      // Let the threads' results in (their clones are read on this thread) while there is still work to share.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(finished);
    const perFile: (Preparsed[] | undefined)[] = new Array(texts.length);
    const failed = new Set<number>();
    chunks.forEach((chunk, c) => {
      // A chunk a failed thread had claimed is parsed here.
      const parsed = results[c] ?? parseChunk(texts, chunk, maxObjects);
      chunk.forEach((unit, u) => {
        const result = parsed[u];
        if (!result) failed.add(unit.file);
        else (perFile[unit.file] ??= []).push(result);
      });
    });
    return perFile.map((pieces, file) => (pieces && !failed.has(file) ? joinPreparsed(pieces) : undefined));
  }

  /** Stop the threads (also when the run did not need them after all). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Cores that nothing else is using right now, beyond this thread's, at most 3: a thread only has a chance
 * to pay on a core that would otherwise be idle (on the busy 2-core machine, one thread made loading the
 * CRD bundle 70% slower). Linux says how many tasks are runnable at this instant (this one included);
 * elsewhere the last minute's load average stands in for it.
 */
function idleCores(): number {
  const cores = availableParallelism();
  let busy = loadavg()[0]! + 1;
  try {
    const runnable = /^\S+ \S+ \S+ (\d+)\//.exec(readFileSync('/proc/loadavg', 'utf8'));
    if (runnable) busy = Number(runnable[1]);
  } catch {
    // Not Linux: the load average it is.
  }
  return Math.max(0, Math.min(3, Math.round(cores - busy)));
}

export function parseChunk(texts: readonly (string | undefined)[], chunk: readonly ParseUnit[], maxObjects: number): (Preparsed | undefined)[] {
  return chunk.map(({ file, start, end }) => {
    const text = texts[file]!;
    // A whole file is checked here, a big one before it was cut.
    if (start === 0 && end === text.length && countDocumentStarts(text) > maxObjects) return undefined;
    return preparse(start === 0 && end === text.length ? text : text.slice(start, end), start);
  });
}

function chunksOf(units: readonly ParseUnit[]): ParseUnit[][] {
  const chunks: ParseUnit[][] = [];
  let current: ParseUnit[] = [];
  let size = 0;
  for (const unit of units) {
    current.push(unit);
    size += unit.end - unit.start;
    if (size >= CHUNK_CHARS) {
      chunks.push(current);
      current = [];
      size = 0;
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
