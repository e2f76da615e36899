import { open } from 'node:fs/promises';
import { WHOLE_FILE, type LoadProblem } from './problems.js';

export type ReadOutcome = { ok: true; text: string } | { ok: false; problem: LoadProblem };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Read a file as UTF-8 text, refusing what a YAML parser should never see: files over the size cap
 * (read no further than the cap), binary content and invalid UTF-8. A BOM is dropped so that columns
 * on the first line match what editors show.
 */
export async function readTextFile(absPath: string, displayPath: string, maxBytes: number): Promise<ReadOutcome> {
  const fail = (messageId: string, message: string): ReadOutcome => ({
    ok: false,
    problem: { ruleId: 'input-unreadable', messageId, severity: 'error', message, file: displayPath, range: WHOLE_FILE },
  });
  let bytes: Buffer;
  try {
    const handle = await open(absPath, 'r');
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) {
        return fail('tooLarge', `file is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit; not parsed (raise maxFileBytes in .meshguard.yaml to check it, or exclude it)`);
      }
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    return fail('unreadable', `cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return decodeText(bytes, fail);
}

export function decodeText(bytes: Uint8Array, fail: (messageId: string, message: string) => ReadOutcome): ReadOutcome {
  const probe = bytes.subarray(0, 8192);
  if (probe.includes(0)) return fail('binary', 'file looks binary (contains NUL bytes); not parsed');
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
