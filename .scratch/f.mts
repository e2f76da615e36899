import { compilePolicyDetailed, hostBuiltins } from '../src/rego/index.js';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
async function probe(label: string, body: string, input: unknown = { x: 1 }) {
  try {
  const c = await compilePolicyDetailed([{ path: 'a.rego', source: `package a\nimport rego.v1\n${body}\n` }], { entrypoints: ['a/p'] });
  const p = await loadPolicy(c.wasm.slice().buffer, { initial: Math.max(5, c.memoryPages) }, hostBuiltins());
  console.log(label, JSON.stringify(p.entrypoints), JSON.stringify(p.evaluate(input, 'a/p')));
  } catch (e) { console.log(label, 'ERR', String(e).slice(0, 200)); }
}
await probe('pkill', `p := "container runs scuttle without ISTIO_QUIT_API: it falls back to pkill through the shared process namespace, which fails when the app may not signal the proxy's processes; set ISTIO_QUIT_API: http://127.0.0.1:15020"`);
await probe('pods', `p := "not the pod's own proxy"`);
await probe('both', `p := "a\\"b'c"`);
await probe('fnq', `f(x) := "pod's" if x == 1\np := f(1)`);
await probe('fnq2', `f(_, v) := "not a URL" if not v\nf(n, v) := "not the pod's own proxy" if { v; n == "a" }\np := [f("a", true), f("a", false)]`);
