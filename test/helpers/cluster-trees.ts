import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { runCheck } from '../../src/check.js';
import { actualFindings, expectedFindings } from './expectations.js';

/** Every YAML file below a directory, repository-relative to it. */
function yamlFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix)).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry}` : entry;
    if (statSync(path.join(dir, rel)).isDirectory()) return yamlFiles(dir, rel);
    return /\.ya?ml$/.test(entry) && !entry.startsWith('.') ? [rel] : [];
  });
}

/** Run a multi-cluster tree with its own .meshguard.yaml; compare with the `# expect:` marks of every file. */
export async function checkMarkedTree(dir: string): Promise<{ expected: string[]; actual: string[]; messages: string[] }> {
  const { config } = await loadConfig(dir);
  const result = await runCheck({ root: dir, inputs: ['.'], config, today: '2026-12-03' });
  const expected = yamlFiles(dir).flatMap((file) => expectedFindings(path.join(dir, file)).map((mark) => `${file}:${mark}`)).sort();
  const actual = yamlFiles(dir).flatMap((file) => actualFindings(result.findings.filter((f) => f.file === file)).map((mark) => `${file}:${mark}`)).sort();
  return { expected, actual, messages: result.findings.map((f) => f.message) };
}

