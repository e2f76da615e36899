import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { WHOLE_FILE, type LoadProblem } from './problems.js';

export type ReadOutcome = { ok: true; text: string } | { ok: false; problem: LoadProblem };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Read a file as UTF-8 text, refusing what a YAML parser should never see: files over the size cap
 * (read no further than the cap), binary content and invalid UTF-8. A BOM is dropped so that columns
 * on the first line match what editors show.
 */
export async function readTextFile(absPath: string, displayPath: string, maxBytes: number): Promise<ReadOutcome> {
  return readTextFileSync(absPath, displayPath, maxBytes);
}

/**
 * `readTextFile` in blocking calls: with each of the five system calls per file a promise (a trip through
 * libuv's thread pool and back), reading the 1,622 files of the findings-heavy bench tree took 288-386 ms of
 * this thread's CPU; blocking, 67-74 ms. Loading is all a check does at that point: nothing waits behind them.
 */
export function readTextFileSync(absPath: string, displayPath: string, maxBytes: number): ReadOutcome {
  const fail = (messageId: string, message: string): ReadOutcome => ({
    ok: false,
    problem: { ruleId: 'input-unreadable', messageId, severity: 'error', message, file: displayPath, range: WHOLE_FILE },
  });
  let bytes: Buffer;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait forever for a writer.
    const fd = openSync(absPath, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const info = fstatSync(fd);
      if (!info.isFile()) return fail('notRegularFile', 'not a regular file (FIFO, device or socket); not read');
      if (info.size > maxBytes) {
        return fail('tooLarge', `file is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit; not parsed (raise maxFileBytes in .meshguard.yaml to check it, or exclude it)`);
      }
      // The size stat reports is not trusted (a file growing while read, /proc-like files reporting 0):
      // reading stops one byte past the cap, whatever the file says.
      const read = readAtMost(fd, maxBytes + 1, info.size);
      if (read.length > maxBytes) return fail('tooLarge', `file is over the ${formatBytes(maxBytes)} limit (maxFileBytes); not parsed`);
      bytes = read;
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return fail('unreadable', `cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return decodeText(bytes, fail);
}

/**
 * The first read is sized from `stat` (one byte more, to see a file that grew), later ones grow with what
 * came: a fixed 1 MiB buffer per file made a 622-file tree allocate 622 MiB, and GC a quarter of a run.
 * A short read is usually the end of the file, so the read that confirms it gets a small buffer.
 */
function readAtMost(fd: number, limit: number, sizeHint: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let next = Math.max(sizeHint + 1, MIN_CHUNK);
  while (total < limit) {
    const chunk = Buffer.allocUnsafe(Math.min(next, limit - total));
    const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead));
    total += bytesRead;
    next = bytesRead < chunk.length ? MIN_CHUNK : Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, total));
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

const MIN_CHUNK = 4096;
const MAX_CHUNK = 1024 * 1024;

export function decodeText(bytes: Uint8Array, fail: (messageId: string, message: string) => ReadOutcome): ReadOutcome {
  // Anywhere in the file, not only its start: YAML cannot contain NUL, and a parser must never see one.
  const nul = bytes.indexOf(0);
  if (nul >= 0) return fail('binary', `file looks binary (a NUL byte at offset ${nul}); not parsed`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return fail('notUtf8', 'file is not valid UTF-8; not parsed');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text };
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
