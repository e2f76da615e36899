import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { loadWorkspace } from '../../src/load/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const config = { ...DEFAULT_CONFIG, gitlabCi: ['templates/**/*.yml'] };

describe('the meshguard component and the project pipeline', () => {
  it('the project .gitlab-ci.yml (with the component included locally) passes every meshguard check', async () => {
    const result = await runCheck({ root: ROOT, inputs: ['.gitlab-ci.yml', 'templates'], config, today: '2026-11-26' });
    expect(result.findings).toEqual([]);
    expect(result.resources).toBe(1);
  });

  it('the component passes every meshguard check on its own, spec header included', async () => {
    const strict = { ...config, rules: { 'gitlab-meshguard-job': { options: { required: true } } } };
    const result = await runCheck({ root: ROOT, inputs: ['templates/meshguard.yml'], config: strict, today: '2026-11-26' });
    expect(result.findings).toEqual([]);
  });

  it('declares the inputs and uploads the reports the docs promise', async () => {
    const { resources } = await loadWorkspace(['templates/meshguard.yml'], ROOT, config);
    const component = resources[0]!.object as { spec: { inputs: Record<string, unknown> }; meshguard: Record<string, any> };
    expect(Object.keys(component.spec.inputs).sort()).toEqual(['baseline', 'cache', 'fail-on', 'image', 'paths', 'stage', 'version']);
    const job = component.meshguard;
    expect(job.artifacts.reports).toEqual({
      codequality: 'gl-code-quality-report.json',
      junit: 'meshguard-junit.xml',
      sarif: 'gl-sast-meshguard.sarif',
    });
    expect(job.script.join('\n')).toContain('--report codequality=gl-code-quality-report.json --report junit=meshguard-junit.xml --report sarif=gl-sast-meshguard.sarif');
    expect(job.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    expect(job.allow_failure).toBeUndefined();
  });

  it('puts the component header under spec, located in the header document', async () => {
    const { resources } = await loadWorkspace(['templates/meshguard.yml'], ROOT, config);
    const locate = resources[0]!.source.locate;
    expect(locate(['spec', 'inputs', 'fail-on']).line).toBe(16);
    expect(locate(['meshguard', 'rules']).line).toBeGreaterThan(30);
  });
});
