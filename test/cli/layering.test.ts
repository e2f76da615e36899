import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

/**
 * The pipeline is the layout: load -> model -> rules -> engine -> report, each stage importing only
 * from the stages before it. These are the imports that once went the wrong way.
 */
const FORBIDDEN: Record<string, string[]> = {
  'src/model': ['config', 'load', 'rules', 'policy', 'rego', 'engine', 'report', 'server', 'cli'],
  'src/load': ['rules', 'policy', 'engine', 'report', 'server', 'cli'],
  'src/rules': ['policy', 'engine', 'report', 'server', 'cli'],
  'src/engine': ['policy', 'rego', 'report', 'server', 'cli'],
  'src/report': ['engine', 'policy', 'rego', 'server', 'cli'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });
}

/** `from '<relative>'` of every import/export in a layer, as [file, the top-level folder of src/ it reaches]. */
function importsOf(layer: string): [string, string][] {
  return sources(path.join(REPO_ROOT, layer)).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/g)].map(
      (match) => [`${path.relative(REPO_ROOT, file)} -> ${match[1]}`, path.relative(path.join(REPO_ROOT, 'src'), path.resolve(path.dirname(file), match[1]!)).split(path.sep)[0]!] as [string, string],
    ),
  );
}

describe('layering', () => {
  it('the scan sees imports (the engine reads the model and the rules)', () => {
    const targets = new Set(importsOf('src/engine').map(([, target]) => target));
    expect(targets).toContain('model');
    expect(targets).toContain('rules');
  });

  for (const [layer, above] of Object.entries(FORBIDDEN)) {
    it(`${layer} imports nothing from ${above.join(', ')}`, () => {
      expect(importsOf(layer).filter(([, target]) => above.includes(target)).map(([where]) => where)).toEqual([]);
    });
  }
});
