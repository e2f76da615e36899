import { evalQuery } from '../src/rego/index.js';
import { collectRegoFiles } from '../src/rego/cli.js';
const src = collectRegoFiles(['policies/lib']);
const tpl = { metadata: { labels: { app: 'x' }, annotations: { 'sidecar.istio.io/nativeSidecar': 'true' } }, spec: { containers: [{ name: 'e' }] } };
const input = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'n', namespace: 'data' }, spec: { jobTemplate: { spec: { template: tpl } } } };
const data = { inventory: { cluster: { v1: { Namespace: { data: { metadata: { name: 'data', labels: { 'istio-injection': 'enabled' } } } } } }, namespace: {} }, meshguard: { config: { mesh: { ignoredNamespaces: [], injectByDefault: false, nativeSidecars: false } } } };
console.log(JSON.stringify(await evalQuery('t := data.meshguard.lib.workload.pod_template(input); r := data.meshguard.lib.injection.decide(input, t)', src, { input, data })));
console.log(JSON.stringify(await evalQuery('t := data.meshguard.lib.workload.pod_template(input); n := data.meshguard.lib.injection.native_sidecar(t)', src, { input, data })));
console.log(JSON.stringify(await evalQuery('d := data.meshguard.lib.injection.decision(input)', src, { input, data })));
