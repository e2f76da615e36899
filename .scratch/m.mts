import { evalQuery } from '../src/rego/index.js';
import { collectRegoFiles } from '../src/rego/cli.js';
const src = collectRegoFiles(['policies/lib', 'policies/mesh/job_sidecar_termination.rego']);
const tpl = { metadata: { labels: { app: 'x' }, annotations: { 'sidecar.istio.io/nativeSidecar': 'true' } }, spec: { containers: [{ name: 'e' }] } };
const input = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'n', namespace: 'data' }, spec: { schedule: 'x', jobTemplate: { spec: { template: tpl } } } };
const data = { inventory: { cluster: { v1: { Namespace: { data: { metadata: { name: 'data', labels: { 'istio-injection': 'enabled' } } } } } }, namespace: {} }, meshguard: { config: { mesh: { ignoredNamespaces: [], injectByDefault: false, nativeSidecars: false } } } };
console.log(JSON.stringify(await evalQuery('p := data.meshguard.mesh.job_sidecar_termination.job_spec_path; d := data.meshguard.mesh.job_sidecar_termination.decision', src, { input, data })));
console.log(JSON.stringify(await evalQuery('x := data.meshguard.mesh.job_sidecar_termination.deny', src, { input, data })));
