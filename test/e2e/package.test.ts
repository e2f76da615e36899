import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** pre-commit's `language: node` runs `npm pack` and `npm install -g` on the tarball, then calls the bin. */
describe('the npm package as pre-commit installs it', () => {
  it('declares a serial node hook that passes file names to `meshguard check --only`', () => {
    const hooks = parse(readFileSync(path.join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8'));
    expect(hooks[0]).toMatchObject({ id: 'meshguard', language: 'node', entry: 'meshguard check --only', require_serial: true, pass_filenames: true });
    for (const file of ['a.yaml', 'b.yml', 'c.json', 'p.rego']) expect(new RegExp(hooks[0].files).test(file)).toBe(true);
  });

  it('packs and installs globally into a working bin', { timeout: 120_000 }, () => {
    const work = tempDir('meshguard-pack-');
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: REPO_ROOT, encoding: 'utf8' }));
    const files = packed[0].files.map((f: { path: string }) => f.path);
    // The package ships everything built: installing it compiles nothing.
    expect(files).toEqual(
      expect.arrayContaining(['dist/cli/main.js', 'dist/server/worker.js', 'dist/rego/runtime.wasm', 'dist/policies/guardrails.json', 'dist/schemas/validators.cjs', 'schemas/config.schema.json', 'package.json']),
    );
    expect(files).not.toContain('dist/.build-stamps.json');
    expect(files.some((f: string) => f.startsWith('test/') || f.startsWith('src/'))).toBe(false);

    const prefix = path.join(work, 'global');
    execFileSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(work, packed[0].filename)], { encoding: 'utf8', stdio: 'pipe' });
    const version = execFileSync(path.join(prefix, 'bin', 'meshguard'), ['--version'], { encoding: 'utf8' });
    expect(version.trim()).toBe(JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version);
    const rules = execFileSync(path.join(prefix, 'bin', 'meshguard'), ['rules'], { encoding: 'utf8' });
    expect(rules).toContain('injection-labels');
  });

  it('builds incrementally: prepare (npm ci, npm pack) runs only the build steps whose inputs changed', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(manifest.scripts.prepare).toBe('node scripts/build.mjs');
    expect(manifest.scripts.build).toBe('node scripts/build.mjs');
    // After the build `npm test` ran, every step is up to date: a `npm pack` now builds nothing.
    const check = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build.mjs'), '--check'], { cwd: REPO_ROOT, encoding: 'utf8' });
    const steps = check.stderr.trim().split('\n');
    // Rego runtime, schema validators, TypeScript, the configuration and GitLab CI validators, shipped
    // guardrails, validator code caches.
    expect(steps).toHaveLength(6);
    for (const step of steps) expect(step).toMatch(/^meshguard build: .+: (up to date|stale)$/);
  });
});
