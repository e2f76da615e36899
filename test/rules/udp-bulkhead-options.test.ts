import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type MeshguardConfig } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const config = (options: Record<string, unknown>): MeshguardConfig => ({ ...DEFAULT_CONFIG, rules: { 'udp-bulkhead': { options } } });
const check = (options: Record<string, unknown>) =>
  runCheck({ root: ROOT, inputs: ['fixtures/rules/udp-bulkhead/bad.yaml'], config: config(options), today: '2026-11-26' });

describe('udp-bulkhead options', () => {
  it('requires an Egress default deny unless switched off', async () => {
    const ids = (await check({})).findings.map((f) => f.messageId);
    expect(ids).toContain('missingDefaultDeny');
    const relaxed = (await check({ requireEgressDefaultDeny: false })).findings.map((f) => f.messageId);
    expect(relaxed).not.toContain('missingDefaultDeny');
    expect(relaxed).toContain('udpAcrossNamespaces');
  });
  it('rejects unknown options', async () => {
    await expect(check({ requireEgress: false })).rejects.toThrow(/udp-bulkhead/);
  });
});
