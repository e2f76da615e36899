// `npm run conformance -- <dir>... [--json] [--skips file] [--floor file] [--write-floor file]`
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadCases, type Case, type Suite } from './cases.js';
import { runCase } from './run.js';

/**
 * Where our semantics knowingly differ from OPA's. Printed with every report so a pass rate is
 * never read as exactness.
 */
export const APPROXIMATIONS = [
  'numbers: literals and JSON numbers keep their text (round-trip and compare exactly); + - * sum product abs round ceil floor and comparisons are exact on integers of any size and on decimals; a quotient is the 64-bit big.Float result OPA computes with the shortest text Go prints (an exact int32-range integer quotient stays an integer), and + - * on a non-integral quotient continue in 64-bit big.Floats; + - * on decimal literals are exact decimals (OPA: 64-bit big.Float); other builtins take doubles',
  'regex: RE2 semantics through re2js (a port of RE2): linear-time matching, Go syntax and error messages',
  'host builtins receive sets as JSON arrays and numbers as doubles (opa-wasm ABI), except json.filter/json.remove/json.patch (sets and long numbers tagged in transit) and the time builtins taking nanoseconds (long numbers tagged)',
  'opa-wasm treats falsy inputs (false, 0, "", null) as "no input"',
];

interface Skip { suite: Suite; file: string; note?: string; reason: string }
interface Row { suite: Suite; topic: string; file: string; note: string; status: 'pass' | 'fail' | 'skip'; reason?: string; ms: number }
type Floor = Partial<Record<Suite, { passed: number }>>;

function parseArgs(argv: string[]): { dirs: string[]; json: boolean; skips?: string; floor?: string; writeFloor?: string; verbose: boolean } {
  const dirs: string[] = [];
  let json = false, verbose = false;
  let skips: string | undefined, floor: string | undefined, writeFloor: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--skips') skips = argv[++i];
    else if (a === '--floor') floor = argv[++i];
    else if (a === '--write-floor') writeFloor = argv[++i];
    else dirs.push(a);
  }
  return { dirs, json, skips, floor, writeFloor, verbose };
}

function findSkip(skips: Skip[], c: Case): Skip | undefined {
  return skips.find((s) => s.suite === c.suite && (c.file === s.file || c.file.startsWith(s.file.endsWith('/') ? s.file : s.file + '/'))
    && (s.note === undefined || s.note === c.note));
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.dirs.length === 0) {
    process.stderr.write('usage: conformance <dir>... [--json] [--skips file] [--floor file] [--write-floor file]\n');
    return 2;
  }
  const skipFile = args.skips ?? (existsSync('test/rego/conformance-skips.yaml') ? 'test/rego/conformance-skips.yaml' : undefined);
  const skips: Skip[] = skipFile ? ((parseYaml(readFileSync(skipFile, 'utf8')) as { skips?: Skip[] } | null)?.skips ?? []) : [];
  for (const s of skips) if (!s.reason) throw new Error(`skip entry without a reason: ${JSON.stringify(s)}`);
  const cases = loadCases(args.dirs);
  const rows: Row[] = [];
  for (const c of cases) {
    const skip = findSkip(skips, c);
    if (skip) { rows.push({ suite: c.suite, topic: c.topic, file: c.file, note: c.note, status: 'skip', reason: skip.reason, ms: 0 }); continue; }
    const r = await runCase(c);
    rows.push({ suite: c.suite, topic: c.topic, file: c.file, note: c.note, status: r.status, reason: r.reason, ms: r.ms });
  }
  const bySuite = new Map<Suite, { passed: number; failed: number; skipped: number }>();
  for (const r of rows) {
    const s = bySuite.get(r.suite) ?? { passed: 0, failed: 0, skipped: 0 };
    if (r.status === 'pass') s.passed++; else if (r.status === 'fail') s.failed++; else s.skipped++;
    bySuite.set(r.suite, s);
  }
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const s of bySuite.values()) { total.passed += s.passed; total.failed += s.failed; total.skipped += s.skipped; }
  if (args.json) {
    process.stdout.write(JSON.stringify({ suites: Object.fromEntries(bySuite), total, approximations: APPROXIMATIONS, cases: rows }, null, 2) + '\n');
  } else {
    const topics = new Map<string, { p: number; f: number; s: number }>();
    for (const r of rows) {
      const k = `${r.suite}  ${r.topic}`;
      const t = topics.get(k) ?? { p: 0, f: 0, s: 0 };
      if (r.status === 'pass') t.p++; else if (r.status === 'fail') t.f++; else t.s++;
      topics.set(k, t);
    }
    const lines = [`${'suite  topic'.padEnd(44)} pass  fail  skip`];
    for (const [k, t] of [...topics].sort()) lines.push(`${k.padEnd(44)} ${String(t.p).padStart(4)}  ${String(t.f).padStart(4)}  ${String(t.s).padStart(4)}`);
    if (args.verbose) for (const r of rows) if (r.status === 'fail') lines.push(`FAIL ${r.suite}:${r.file} ${r.note}: ${(r.reason ?? '').slice(0, 300)}`);
    lines.push('approximations:', ...APPROXIMATIONS.map((a) => `  - ${a}`));
    for (const [suite, s] of bySuite) {
      const n = s.passed + s.failed + s.skipped;
      lines.push(`${suite}: ${s.passed}/${n} passed (${((100 * s.passed) / Math.max(1, n)).toFixed(1)}%), ${s.failed} failed, ${s.skipped} skipped`);
    }
    lines.push(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (args.writeFloor) {
    const floor: Floor = {};
    for (const [suite, s] of bySuite) floor[suite] = { passed: s.passed };
    writeFileSync(args.writeFloor, JSON.stringify(floor, null, 2) + '\n');
  }
  if (args.floor) {
    const floor = JSON.parse(readFileSync(args.floor, 'utf8')) as Floor;
    let ok = true;
    for (const [suite, f] of Object.entries(floor) as [Suite, { passed: number }][]) {
      const s = bySuite.get(suite);
      if (s && s.passed < f.passed) {
        process.stderr.write(`conformance floor: ${suite} passed ${s.passed} < floor ${f.passed}\n`);
        ok = false;
      }
    }
    if (!ok) return 1;
  }
  return 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 2;
});
