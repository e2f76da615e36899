import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { parseYaml } from '../../src/load/yaml.js';
import { textTree } from '../../src/render/index.js';
import { isRemoteTarget, readKustomization } from '../../src/render/kustomization.js';
import { loadPatches, locateInPatches } from '../../src/render/patches.js';
import { planRendering } from '../../src/render/plan.js';
import { locateInTemplate } from '../../src/render/template-position.js';
import { toolMessage } from '../../src/render/tools.js';

const tree = textTree(
  new Map([
    ['base/kustomization.yaml', 'resources: [deploy.yaml]\n'],
    ['base/deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n'],
    ['comp/kustomization.yaml', 'kind: Component\npatches:\n  - path: c.yaml\n'],
    ['comp/c.yaml', 'kind: Deployment\nmetadata: {name: web}\n'],
    [
      'prod/kustomization.yaml',
      [
        'resources: [../base]',
        'components: [../comp]',
        'patchesStrategicMerge: [smp.yaml]',
        'patches:',
        '  - target: {kind: Deployment, name: web}',
        '    patch: |-',
        '      - op: add',
        '        path: /spec/paused',
        '        value: true',
        '',
      ].join('\n'),
    ],
    ['prod/smp.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app:2\n'],
    ['dev/kustomization.yaml', 'resources:\n  - ../base\n  - github.com/example/istio//base?ref=v1\n'],
  ]),
);

describe('kustomizations', () => {
  it('tells remote targets from local ones as kustomize does', () => {
    expect(['https://example.com/x.yaml', 'github.com/org/repo//dir?ref=v1', 'git@github.com:org/repo.git', '../base?ref=main'].map(isRemoteTarget)).toEqual([true, true, true, true]);
    expect(['../base', 'deployment.yaml', 'github-config/x.yaml'].map(isRemoteTarget)).toEqual([false, false, false]);
  });

  it('reads references with their entries, and `key=path` generator sources', () => {
    const k = readKustomization('a/kustomization.yaml', parseYaml('configMapGenerator:\n  - name: cfg\n    files: [app.conf=conf/app.conf]\n').documents[0]!.value);
    expect(k.references).toEqual([{ target: 'conf/app.conf', at: ['configMapGenerator', 0, 'files', 0], kind: 'generatorInput', remote: false }]);
    expect(k.generators).toEqual([{ name: 'cfg', at: ['configMapGenerator', 0] }]);
  });

  it('renders the leaves by default, with bases first and components after their kustomization', () => {
    const plan = planRendering(['base/kustomization.yaml', 'prod/kustomization.yaml', 'dev/kustomization.yaml', 'comp/kustomization.yaml'], tree, DEFAULT_CONFIG.render);
    expect(plan.roots.map((r) => r.dir)).toEqual(['prod', 'dev']);
    const prod = plan.roots[0]!;
    expect(prod.closure.map((k) => k.dir)).toEqual(['base', 'prod', 'comp']);
    expect([...prod.files].sort()).toEqual(['base/deploy.yaml', 'base/kustomization.yaml', 'comp/c.yaml', 'comp/kustomization.yaml', 'prod/kustomization.yaml', 'prod/smp.yaml']);
    expect([...plan.patches].sort()).toEqual(['comp/c.yaml', 'prod/smp.yaml']);
    expect(plan.roots[1]!.remote?.reference.target).toBe('github.com/example/istio//base?ref=v1');
  });

  it('renders the roots the configuration names', () => {
    const settings = { ...DEFAULT_CONFIG.render, kustomize: { ...DEFAULT_CONFIG.render.kustomize, roots: ['base'] } };
    expect(planRendering(['base/kustomization.yaml', 'prod/kustomization.yaml'], tree, settings).roots.map((r) => r.dir)).toEqual(['base']);
  });
});

describe('patch positions', () => {
  const plan = planRendering(['prod/kustomization.yaml'], tree, DEFAULT_CONFIG.render);
  const patches = loadPatches(plan.roots[0]!.closure, tree);
  const rendered = { kind: 'Deployment', spec: { paused: true, template: { spec: { containers: [{ name: 'sidecar' }, { name: 'app', image: 'app:2' }] } } } };
  const identity = { kind: 'Deployment', names: ['web'] };

  it('matches list elements of a strategic-merge patch by merge key, not index', () => {
    expect(locateInPatches(patches, identity, rendered, ['spec', 'template', 'spec', 'containers', 1, 'image'])).toMatchObject({ file: 'prod/smp.yaml', line: 10 });
    // The sidecar container is not in the patch: no patch set it.
    expect(locateInPatches(patches, identity, rendered, ['spec', 'template', 'spec', 'containers', 0, 'name'])).toBeUndefined();
  });

  it('locates an inline JSON 6902 operation inside the kustomization, at its value', () => {
    expect(locateInPatches(patches, identity, rendered, ['spec', 'paused'])).toMatchObject({ file: 'prod/kustomization.yaml', line: 9, column: 9 });
  });

  it('ignores patches of other objects, and the identity fields a patch only selects with', () => {
    expect(locateInPatches(patches, { kind: 'Deployment', names: ['api'] }, rendered, ['spec', 'template', 'spec', 'containers', 1, 'image'])).toBeUndefined();
    expect(locateInPatches(patches, identity, rendered, ['metadata', 'name'])).toBeUndefined();
  });
});

describe('template positions', () => {
  it('follows the keys of the path down the template, skipping list indexes', () => {
    const template = 'kind: Deployment\nspec:\n  template:\n    spec:\n      {{- if .Values.x }}\n      containers:\n        - name: app\n          image: {{ .Values.image }}\n';
    expect(locateInTemplate(template, ['spec', 'template', 'spec', 'containers', 0, 'image'])).toMatchObject({ line: 8, column: 11 });
    // A field the template only writes through toYaml: its nearest written parent.
    expect(locateInTemplate(template, ['spec', 'template', 'spec', 'securityContext'])).toMatchObject({ line: 4 });
  });
});

describe('tool messages', () => {
  it("keeps kustomize's own words from kubectl's log line", () => {
    const stderr = 'E1203 09:48:10.263358   11215 run.go:72] "command failed" err="accumulating resources: \\"x\\" missing"\n';
    expect(toolMessage(stderr)).toBe('accumulating resources: "x" missing');
    expect(toolMessage('# Warning: vars\nError: must build at directory: not a valid directory\n')).toBe('must build at directory: not a valid directory');
  });

  it('gives the reason of a Go panic without the goroutine dump (Kubeflow pipeline cert-manager/dev crashes kustomize 5)', () => {
    const stderr = [
      "# Warning: 'vars' is deprecated. Please use 'replacements' instead.",
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x40 pc=0x15c47c5]',
      '',
      'goroutine 1 [running]:',
      'sigs.k8s.io/kustomize/kyaml/yaml.(*RNode).Content(...)',
      '\tsigs.k8s.io/kustomize/kyaml@v0.18.1/yaml/rnode.go:724',
    ].join('\n');
    expect(toolMessage(stderr)).toBe('crashed (Go panic): runtime error: invalid memory address or nil pointer dereference');
  });
});
