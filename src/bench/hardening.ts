/**
 * Measures the two bounds of issue 20 that are numbers, not behaviours, so they are measured here and
 * reported rather than asserted in tests on a shared machine:
 *
 *   node dist/bench/hardening.js inputs    each ugly input file (src/bench/ugly-inputs.ts) checked by the CLI in
 *                                          a fresh process: elapsed time, CPU time, peak RSS, exit code, findings;
 *                                          the bound is 10 s per MB (a file under 1 MB counts as 1 MB) and 1 GB RSS.
 *   node dist/bench/hardening.js webhook   `meshguard serve` with pathological policies (a Rego loop over a big
 *                                          comprehension, RE2-heavy regexes, globs): each review's latency at the
 *                                          client and in the server (request received to response written, from
 *                                          its log), against --timeout-ms + 50 ms.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI } from './processes.js';
import { percentile } from './stats.js';
import { uglyInputs } from './ugly-inputs.js';
import { makeCertificate } from './webhook.js';

const MB = 1024 * 1024;

/** Written into each measured process: its own peak RSS and CPU time, reported on exit (worker threads included). */
const PROBE = `process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\nMESHGUARD_PROBE ' + JSON.stringify({ maxRssKb: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }) + '\\n'); });\n`;

interface Measured {
  code: number | null;
  elapsedMs: number;
  cpuMs: number;
  maxRssKb: number;
  stdout: string;
  stderr: string;
}

function runProbed(args: string[], cwd: string, probe: string): Promise<Measured> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', probe, CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('close', (code) => {
      const elapsedMs = performance.now() - started;
      const stderr = Buffer.concat(err).toString();
      const probeLine = /MESHGUARD_PROBE (.*)/.exec(stderr)?.[1];
      const { maxRssKb, cpuMs } = probeLine ? (JSON.parse(probeLine) as { maxRssKb: number; cpuMs: number }) : { maxRssKb: Number.NaN, cpuMs: Number.NaN };
      resolve({ code, elapsedMs, cpuMs, maxRssKb, stdout: Buffer.concat(out).toString(), stderr: stderr.replace(/\n?MESHGUARD_PROBE .*\n?/, '') });
    });
  });
}

async function measureInputs(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'meshguard-hardening-'));
  const probe = path.join(work, 'probe.mjs');
  writeFileSync(probe, PROBE);
  try {
    console.log('| input | size | elapsed | CPU | s/MB (min 1 MB) | peak RSS | exit | findings (rules) | within 10 s/MB and 1 GB |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
    for (const input of uglyInputs()) {
      const dir = path.join(work, input.file.replace(/\W/g, '-'));
      mkdirSync(dir);
      writeFileSync(path.join(dir, input.file), input.content);
      const run = await runProbed(['check', '.', '--format', 'json', '--fail-on', 'none'], dir, probe);
      let findings = 'unparsable output';
      try {
        const report = JSON.parse(run.stdout) as { findings: Array<{ ruleId: string }> };
        const rules = [...new Set(report.findings.map((f) => f.ruleId))].join(', ');
        findings = `${report.findings.length} (${rules})`;
      } catch {
        findings += `: ${run.stderr.trim().split('\n')[0] ?? ''}`;
      }
      const megabytes = input.content.length / MB;
      const perMb = run.elapsedMs / 1000 / Math.max(1, megabytes);
      const within = perMb <= 10 && run.maxRssKb <= 1024 * 1024;
      console.log(
        `| ${input.name} | ${megabytes.toFixed(2)} MB | ${(run.elapsedMs / 1000).toFixed(2)} s | ${(run.cpuMs / 1000).toFixed(2)} s | ${perMb.toFixed(2)} | ${(run.maxRssKb / 1024).toFixed(0)} MB | ${run.code} | ${findings} | ${within ? 'yes' : 'NO'} |`,
      );
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Policies that keep one review busy for seconds if nothing stops them. */
const PATHOLOGICAL: Record<string, string> = {
  'rego loop over a big comprehension': `package main
import rego.v1
deny contains msg if {
\tinput.metadata.name == "pathological"
\tr := numbers.range(1, 3000)
\tn := count([x | some x in r; some y in r; x == y])
\tn < 0
\tmsg := "unreachable"
}
`,
  'RE2-heavy regexes': `package main
import rego.v1
deny contains msg if {
\tinput.metadata.name == "pathological"
\ts := concat("", [c | some _ in numbers.range(1, 20000); c := "ab"])
\tsome i in numbers.range(1, 3000)
\tregex.match(sprintf("^(a|b|ab|ba)*x%d$", [i]), s)
\tmsg := "unreachable"
}
`,
  'globs with many stars': `package main
import rego.v1
deny contains msg if {
\tinput.metadata.name == "pathological"
\ts := concat("", [c | some _ in numbers.range(1, 2000); c := "a"])
\tsome i in numbers.range(1, 3000)
\tglob.match(sprintf("*a*a*a*a*a*a*b%d", [i]), [], s)
\tmsg := "unreachable"
}
`,
};

function postReview(port: number, body: string): Promise<{ ms: number; status: number; reply: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/validate', method: 'POST', headers: { 'content-type': 'application/json' }, rejectUnauthorized: false, agent: false }, (res) => {
      let reply = '';
      res.on('data', (c: Buffer) => (reply += c.toString()));
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, reply }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Server {
  port: number;
  stop(): Promise<string>;
}

function startServe(dir: string, args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve', '--cert', 'tls.crt', '--key', 'tls.key', '--port', '0', '--host', '127.0.0.1', ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /"msg":"listening","port":(\d+)/.exec(log);
      if (match) resolve({ port: Number(match[1]), stop: async () => (child.kill('SIGKILL'), await exited, log) });
    });
    void exited.then(() => reject(new Error(`serve exited: ${log}`)));
  });
}

async function measureWebhook(): Promise<void> {
  const timeoutMs = Number(process.env.MESHGUARD_HARDENING_TIMEOUT_MS ?? 200);
  const rounds = Number(process.env.MESHGUARD_HARDENING_ROUNDS ?? 10);
  console.log(`--timeout-ms ${timeoutMs}, target ${timeoutMs + 50} ms; ${rounds} sequential reviews, then ${rounds} bursts of 4 concurrent (2 evaluation threads)`);
  console.log('| policy | unbounded evaluation | server p50 / max | client p50 / max | answers over target (server / client) |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, policy] of Object.entries(PATHOLOGICAL)) {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-hardening-serve-'));
    try {
      makeCertificate(dir, 'tls');
      mkdirSync(path.join(dir, 'policy'));
      writeFileSync(path.join(dir, 'policy', 'pathological.rego'), policy);
      writeFileSync(path.join(dir, '.meshguard.yaml'), 'policies: [policy/]\n');
      let uid = 0;
      const body = (): string => JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: `p-${++uid}`, operation: 'CREATE', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pathological', namespace: 'a' } } } });

      // How long the policy runs when nothing stops it: one review under a budget of minutes.
      const unbounded = await startServe(dir, ['--timeout-ms', '600000']);
      const natural = await postReview(unbounded.port, body());
      await unbounded.stop();

      const server = await startServe(dir, ['--timeout-ms', String(timeoutMs)]);
      const client: number[] = [];
      for (let i = 0; i < rounds; i++) client.push((await postReview(server.port, body())).ms);
      for (let i = 0; i < rounds; i++) client.push(...(await Promise.all(Array.from({ length: 4 }, () => postReview(server.port, body())))).map((r) => r.ms));
      // Log lines may trail the responses through the pipe.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const log = await server.stop();
      const served = log
        .split('\n')
        .filter((line) => line.includes('"admission review"'))
        .map((line) => (JSON.parse(line) as { durationMs: number }).durationMs);
      const over = (values: number[]): number => values.filter((v) => v > timeoutMs + 50).length;
      const ms = (v: number): string => `${v.toFixed(0)} ms`;
      console.log(
        `| ${name} | ${ms(natural.ms)} | ${ms(percentile(served, 50))} / ${ms(Math.max(...served))} | ${ms(percentile(client, 50))} / ${ms(Math.max(...client))} | ${over(served)}/${served.length} / ${over(client)}/${client.length} |`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const mode = process.argv[2];
if (mode === 'inputs') await measureInputs();
else if (mode === 'webhook') await measureWebhook();
else {
  console.error('usage: node dist/bench/hardening.js inputs|webhook');
  process.exitCode = 2;
}
