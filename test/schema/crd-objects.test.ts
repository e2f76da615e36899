import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { generateCrdBundle } from '../../src/bench/generate.js';
import { actualFindings, expectedFindings } from '../helpers/expectations.js';
import { tempDir } from '../helpers/tmp.js';
import { corpusAvailable, materializeCorpus, tempCorpusDir, type CorpusSource } from '../helpers/mirror.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = 'fixtures/rules/schema-validation/crd-recursive';

describe('CustomResourceDefinition objects are validated as JSONSchemaProps, recursively', () => {
  it('finds nothing in a CRD using nested properties, keyword-named fields, extensions and CEL rules, and checks its custom resources', async () => {
    const result = await runCheck({ root: ROOT, inputs: [FIXTURE], config: DEFAULT_CONFIG, today: '2026-12-03' });
    const schema = result.findings.filter((f) => f.ruleId.startsWith('schema-'));
    for (const file of ['crd.yaml', 'pipelines.yaml', 'misindented-crd.yaml']) {
      const expected = expectedFindings(path.join(ROOT, FIXTURE, file));
      expect(actualFindings(schema.filter((f) => f.file === `${FIXTURE}/${file}`)), file).toEqual(expected);
    }
    expect(schema.find((f) => f.path === '/spec/items/0/requird')?.message).toBe("unknown field 'requird' in Pipeline spec.items[0] (did you mean 'required'?)");
    expect(schema.find((f) => f.path?.endsWith('/properties/status/typ'))?.message).toBe(
      "unknown field 'typ' in CustomResourceDefinition spec.versions[0].schema.openAPIV3Schema.properties.status (did you mean 'type'?)",
    );
  });
});

describe('the bench CRD bundle', () => {
  it('has exactly the planted findings: one unknown field per CRD, in its fourth custom resource', async () => {
    const dir = tempDir();
    const bundle = await generateCrdBundle(path.join(dir, 'install.yaml'), 4, 200_000);
    const result = await runCheck({ root: dir, inputs: ['.'], config: DEFAULT_CONFIG, today: '2026-12-03' });
    expect(result.resources).toBe(bundle.resources);
    expect(result.findings.map((f) => `${f.ruleId}/${f.messageId} ${f.resource?.kind}/${f.resource?.name} ${f.path}`)).toEqual([
      'schema-validation/unknownField BenchPipeline0/benchpipeline0-3 /spec/notInTheSchema',
      'schema-validation/unknownField BenchService1/benchservice1-3 /spec/notInTheSchema',
      'schema-validation/unknownField BenchJob2/benchjob2-3 /spec/notInTheSchema',
      'schema-validation/unknownField BenchNotebook3/benchnotebook3-3 /spec/notInTheSchema',
    ]);
  });
});

// Real CRDs as their projects ship them, with custom resources of those kinds from the same repositories.
const ISTIO: CorpusSource = {
  repo: 'istio/istio',
  commit: '86c9f01fd735fb01d8192f5bcaf0d424afb7f14c',
  paths: ['manifests/charts/base/files/crd-all.gen.yaml', 'samples/bookinfo/networking', 'samples/bookinfo/policy'],
};
const KUBEFLOW: CorpusSource = {
  repo: 'kubeflow/manifests',
  commit: '009c88084074904c7743384ff50d3bd70012ef55',
  paths: [
    'applications/jupyter/notebook-controller/upstream/crd/bases/kubeflow.org_notebooks.yaml',
    'applications/pvcviewer-controller/upstream/crd/bases/kubeflow.org_pvcviewers.yaml',
    'applications/training-operator/upstream/base/crds/kubeflow.org_pytorchjobs.yaml',
    'applications/admission-webhook/upstream/base/crd.yaml',
    'applications/trainer/upstream/base/crds/trainer.kubeflow.org_clustertrainingruntimes.yaml',
    'applications/jupyter/notebook-controller/upstream/samples/_v1_notebook.yaml',
    'applications/jupyter/notebook-controller/upstream/samples/_v1beta1_notebook.yaml',
    'applications/pvcviewer-controller/upstream/samples/_v1alpha1_pvcviewer.yaml',
    'tests/notebook.test.kubeflow-user-example.com.yaml',
    'tests/poddefaults.access-ml-pipeline.kubeflow-user-example-com.yaml',
    'tests/training_operator_job.yaml',
  ],
};

/** One planted custom resource per corpus: a field its CRD does not declare, which must be the only schema finding. */
const PLANTED: Record<string, { yaml: string; path: string; message: string }> = {
  'istio/istio': {
    yaml: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: planted\n  namespace: default\nspec:\n  hosts: [reviews]\n  http:\n    - route:\n        - destination: {host: reviews}\n          wieght: 100\n',
    path: '/spec/http/0/route/0/wieght',
    message: "unknown field 'wieght' in VirtualService spec.http[0].route[0] (did you mean 'weight'?)",
  },
  'kubeflow/manifests': {
    yaml: 'apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata:\n  name: planted\n  namespace: default\nspec:\n  pytorchReplicaSpecs:\n    Master:\n      replicas: 1\n      template:\n        spec:\n          containers:\n            - name: pytorch\n              image: pytorch:2\n  runPolcy: {}\n',
    path: '/spec/runPolcy',
    message: "unknown field 'runPolcy' in PyTorchJob spec (did you mean 'runPolicy'?)",
  },
};

for (const source of [ISTIO, KUBEFLOW]) {
  describe.skipIf(!corpusAvailable(source))(`real CRDs: ${source.repo}`, () => {
    it('gives no schema finding on the CRDs and their shipped custom resources; a planted unknown field is caught from the CRD schema', { timeout: 120_000 }, async () => {
      const { dir, remove } = tempCorpusDir();
      try {
        const tree = materializeCorpus(source, dir);
        const planted = PLANTED[source.repo]!;
        writeFileSync(path.join(tree, 'planted.yaml'), planted.yaml);
        const result = await runCheck({ root: tree, inputs: ['.'], config: DEFAULT_CONFIG, today: '2026-12-03' });
        expect(result.resources).toBeGreaterThan(5);
        const schema = result.findings.filter((f) => f.ruleId.startsWith('schema-'));
        expect(schema.map((f) => ({ file: f.file, ruleId: f.ruleId, path: f.path, message: f.message }))).toEqual([
          { file: 'planted.yaml', ruleId: 'schema-validation', path: planted.path, message: planted.message },
        ]);
        // Judged by the CRD among the files (it names it), not by the schemas meshguard ships.
        expect(schema[0]!.related.map((r) => r.kind)).toEqual(['CustomResourceDefinition']);
      } finally {
        remove();
      }
    });
  });
}
