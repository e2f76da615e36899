import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A report file that could not be written: the run's findings are still printed, then the run fails. */
export class ReportWriteError extends Error {}

/**
 * Write a report atomically: to a temporary file in the same directory, then renamed over the target,
 * so a killed run leaves the previous report or the new one, never a truncated one.
 */
export async function writeReportFile(absolute: string, content: string): Promise<void> {
  const temporary = path.join(path.dirname(absolute), `.${path.basename(absolute)}.${process.pid}.tmp`);
  try {
    await mkdir(path.dirname(absolute), { recursive: true });
    await writeFile(temporary, content);
    await rename(temporary, absolute);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied' : code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST' ? 'not a valid file path (a part of it is a file, or it is a directory)' : (code ?? String(error));
    throw new ReportWriteError(`cannot write report ${absolute}: ${why}`);
  }
}
