import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG } from '../src/config/types.js';
import { runCheck } from '../src/engine/check.js';
import { shippedPolicyRules } from '../src/policy/index.js';
const rule = shippedPolicyRules().find((r) => r.meta.id === 'job-sidecar-termination')!;
const only = process.argv[2];
for (const dir of readdirSync('fixtures/rules').sort()) for (const f of readdirSync(path.join('fixtures/rules', dir)).filter((f) => /\.ya?ml$/.test(f))) {
  const file = path.join('fixtures/rules', dir, f);
  if (only && !file.includes(only)) continue;
  const r = await runCheck({ root: process.cwd(), inputs: [file], config: DEFAULT_CONFIG, today: '2026-11-26', rules: [rule] });
  const n = r.findings.filter((x) => x.ruleId === 'job-sidecar-termination').length;
  if (file.includes('capture-bypass-justified') || n) console.log(file, n);
}
