import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCrdBundle } from '../../src/bench/generate.js';
import { runMeshguard } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const TODAY = ['--today', '2026-11-26'];

/** The same run with parse threads forced on and off: findings and positions must not depend on them. */
async function bothWays(args: string[], cwd?: string): Promise<{ threads: string; alone: string }> {
  const run = async (threads: string): Promise<string> => {
    const result = await runMeshguard(['check', ...args, '--format', 'json', '--fail-on', 'none', ...TODAY], { ...(cwd ? { cwd } : {}), env: { MESHGUARD_PARSE_THREADS: threads } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return result.stdout.replace(/"durationMs": [\d.]+/, '"durationMs": 0');
  };
  return { threads: await run('2'), alone: await run('0') };
}

describe('parse threads (built CLI)', () => {
  it.each(['fixtures/demo', 'fixtures/platform', 'fixtures/malformed', 'fixtures/gitlab', 'fixtures/demo-multicluster', 'fixtures/render'])('give the reports of one thread on %s', async (dir) => {
    const { threads, alone } = await bothWays([dir]);
    expect(JSON.parse(threads).findings.length).toBeGreaterThan(0);
    expect(threads).toBe(alone);
  });

  it('give the reports of one thread on a big file cut into pieces', async () => {
    const dir = tempDir();
    await generateCrdBundle(path.join(dir, 'install.yaml'), 8, 2_500_000);
    const { threads, alone } = await bothWays(['install.yaml'], dir);
    expect(JSON.parse(threads).findings.length).toBeGreaterThan(0);
    expect(threads).toBe(alone);
  });
});
