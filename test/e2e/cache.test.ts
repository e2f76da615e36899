import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runMeshguard } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** A cached run must say exactly what an uncached run says: only parsing is cached, never findings. */
describe('--cache', () => {
  // Fifteen CLI runs: on a busy machine they take longer than the default 30 s.
  it('gives byte-identical reports cold, warm, and after an edit', { timeout: 120_000 }, async () => {
    const dir = tempDir('meshguard-cache-');
    cpSync(path.join(REPO_ROOT, 'fixtures/demo'), path.join(dir, 'demo'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'fixtures/rules/sidecar-quota'), path.join(dir, 'quota'), { recursive: true });
    const run = async (...extra: string[]) => {
      const outputs: string[] = [];
      for (const format of ['sarif', 'codequality', 'junit']) {
        const { stdout } = await runMeshguard(['check', '.', '--format', format, '--today', '2026-11-26', ...extra], { cwd: dir });
        // JUnit carries the run's duration, the one thing that may differ.
        outputs.push(stdout.replace(/ time="[\d.]+"/g, ''));
      }
      return outputs;
    };

    const uncached = await run();
    const cold = await run('--cache');
    expect(existsSync(path.join(dir, '.meshguard-cache/parse.json'))).toBe(true);
    const warm = await run('--cache');
    expect(cold).toEqual(uncached);
    expect(warm).toEqual(uncached);

    // Shift a file's lines: positions must come from the new text, not the cache.
    const api = path.join(dir, 'demo/payments/api.yaml');
    writeFileSync(api, `# edited\n\n${readFileSync(api, 'utf8')}`);
    const afterEdit = await run('--cache');
    expect(afterEdit).toEqual(await run());
    expect(afterEdit[1]).not.toEqual(uncached[1]);
  });

  it('never lints a cache directory, even one left in a subdirectory by a run from there', async () => {
    const dir = tempDir('meshguard-cache-');
    cpSync(path.join(REPO_ROOT, 'fixtures/demo'), path.join(dir, 'team'), { recursive: true });
    // The run's duration is the one thing that may differ.
    const report = async () => JSON.parse((await runMeshguard(['check', '.', '--format', 'json', '--today', '2026-11-26'], { cwd: dir })).stdout.replace(/"durationMs": [\d.]+/, '"durationMs": 0'));
    const expected = await report();
    await runMeshguard(['check', '.', '--cache', '--today', '2026-11-26'], { cwd: path.join(dir, 'team') });
    expect(existsSync(path.join(dir, 'team/.meshguard-cache/parse.json'))).toBe(true);
    expect(await report()).toEqual(expected);
  });

  it('ignores a corrupt cache file', async () => {
    const dir = tempDir('meshguard-cache-');
    cpSync(path.join(REPO_ROOT, 'fixtures/demo'), dir, { recursive: true });
    const expected = (await runMeshguard(['check', '.', '--format', 'sarif'], { cwd: dir })).stdout;
    const cacheFile = path.join(tempDir('meshguard-cache-file-'), 'cache.json');
    writeFileSync(cacheFile, '{"format": "garbage", "entries": ');
    const run = await runMeshguard(['check', '.', '--format', 'sarif', '--cache-location', cacheFile], { cwd: dir });
    expect(run.stdout).toBe(expected);
    expect(JSON.parse(readFileSync(cacheFile, 'utf8').split('\n')[0]!).format).toMatch(/^meshguard-parse-cache\//);
  });
});
