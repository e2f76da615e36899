import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runCheck } from '../../src/engine/check.js';
import { actualFindings, expectedFindings } from '../helpers/expectations.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

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

describe('multi-cluster demo (fixtures/demo-multicluster)', () => {
  it('finds every planted cross-cluster defect where it is marked, and nothing else', async () => {
    const { expected, actual, messages } = await checkMarkedTree(path.join(ROOT, 'fixtures/demo-multicluster/planted'));
    expect(expected.length).toBeGreaterThan(0);
    expect(actual).toEqual(expected);
    // Each message names the clusters, and the other cluster's location.
    const service = messages.find((m) => m.includes('port 9090 differs between gke-eu-2 and gke-eu-1'));
    expect(service).toMatch(/\(clusters\/gke-eu-1\/payments\.yaml:9\).*\[cluster gke-eu-2\]$/);
    // A shared resource's finding is reported once, naming every cluster.
    expect(messages.filter((m) => m.includes('localityLbSetting'))).toEqual([expect.stringMatching(/\[clusters gke-eu-1, gke-eu-2, gke-us-1\]$/)]);
  });

  it('reports nothing on the compliant variant', async () => {
    const { actual } = await checkMarkedTree(path.join(ROOT, 'fixtures/demo-multicluster/compliant'));
    expect(actual).toEqual([]);
  });

});
