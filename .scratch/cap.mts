import { evalQuery } from '../src/rego/index.js';
import { collectRegoFiles } from '../src/rego/cli.js';
const src = collectRegoFiles(['policies/lib/capture.rego', 'policies/lib/capture_ports.rego', 'policies/lib/injection.rego', 'policies/lib/workload.rego', 'policies/mesh/capture_bypass_justified_ports.rego']);
const input = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'z', namespace: 'data' }, spec: { template: { metadata: { annotations: { 'traffic.sidecar.istio.io/excludeInboundPorts': '2181,2888,3888' } }, spec: {} } } };
const data = { inventory: { cluster: { v1: { Namespace: { data: { metadata: { name: 'data', labels: { 'istio-injection': 'enabled' } } } } } }, namespace: {} }, meshguard: { config: { mesh: { ignoredNamespaces: [], injectByDefault: false, nativeSidecars: false } } } };
for (const q of ['x := data.meshguard.lib.capture.decision', 'x := data.meshguard.lib.capture.needs_reason', 'x := data.meshguard.mesh.capture_bypass_justified_ports.bypasses', 'x := data.meshguard.mesh.capture_bypass_justified_ports.ports("excludeInboundPorts")', 'x := data.meshguard.mesh.capture_bypass_justified_ports.deny'])
  console.log(q, JSON.stringify(await evalQuery(q, src, { input, data })));
