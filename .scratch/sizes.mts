import { collectRegoFiles } from '../src/rego/cli.js';
import { compilePolicyDetailed, hostBuiltins } from '../src/rego/index.js';
import { runtimeWasm } from '../src/rego/link.js';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { packageUnits, parseRego } from '../src/policy/compile.js';
const rt = runtimeWasm().length;
const sources = collectRegoFiles(['policies']);
const { modules } = parseRego(sources);
const pk = new Set(modules.map((m) => m.package.join('.')));
for (const u of packageUnits(modules, sources, pk)) {
  const ep = modules.filter((m) => m.package.join('.') === u.pkg).flatMap((m) => m.rules.map((r) => (r.head.ref[0] as any).name)).find((n: string) => /^(deny|test_)/.test(n));
  if (!ep) continue;
  const c = await compilePolicyDetailed(u.sources, { entrypoints: [u.pkg.replace(/\./g, '/') + '/' + ep] });
  const p = await loadPolicy(c.wasm.slice().buffer, { initial: 5 }, hostBuiltins());
  console.log(u.pkg.padEnd(60), c.wasm.length - rt, Object.keys(p.entrypoints).length ? 'ok' : 'BROKEN', u.sources.map(s => s.path.split('/').pop()).join(' '));
}
