import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Every test process gets a private temp directory (TMPDIR, inherited by the workers and the CLI
 * processes they start). At the end it must be empty but for meshguard's own policy compile cache:
 * whatever else is left is a test that does not clean up after itself, and the run fails naming it.
 * The directory itself is removed either way, so /tmp is left as it was found.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-vitest-'));
  process.env.TMPDIR = dir;
  return () => {
    const left = readdirSync(dir).filter((name) => name !== 'meshguard-cache');
    rmSync(dir, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (left.length > 0) {
      // A teardown that throws is only logged by vitest: set the exit code so the run fails.
      console.error(`\nTests left ${left.length} entries in the temp directory (clean up in afterAll/afterEach): ${left.join(', ')}`);
      process.exitCode = 1;
    }
  };
}
