/**
 * Interleaved A/B of the webhook against the echo baseline, for work on `meshguard serve` on a shared machine:
 * rounds of [echo, each variant] in turn, so that a change of machine load hits every server alike.
 *
 *   node dist/bench/webhook-ab.js [--rounds N] [--requests N] [--warmup N] [--concurrency N]
 *        [--variant name=/path/to/cli/main.js[,--serve-flag,value...][,env:NAME=value...][,node:--node-flag...]]...
 *        [--stages]
 *
 * Without --variant the CLI of this build is measured. Each server is a fresh process; its CPU time over the
 * measured requests (main thread and evaluation threads, from /proc) is reported per request. Requests are the
 * bench tree's objects as the API server would send them on CREATE, as in `npm run bench`.
 * With --stages, each meshguard server stamps every review at each hand-off (MESHGUARD_SERVE_STAGES, see
 * src/server/stages.ts) and the measured requests' stages are summarised: median and p99 of each, and what
 * the slowest 1% of reviews spent in each on average (where p99 comes from).
 * Environment: MESHGUARD_BENCH_SERVE_ENV='K=V,...' and MESHGUARD_BENCH_NODE_ARGS='--flag ...' are passed to the
 * meshguard servers (profiling switches such as --cpu-prof or --trace-gc); with MESHGUARD_BENCH_SERVER_STDOUT=<prefix>
 * their stdout (where --trace-gc writes) goes to <prefix>.<variant>.<n>.
 */
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG } from '../config/types.js';
import { loadWorkspace } from '../load/index.js';
import { CLI } from './processes.js';
import { median, percentile } from './stats.js';
import { generateLoad, makeCertificate, startServer, type LoadResult } from './webhook.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    tree: { type: 'string', default: 'bench/out/tree' },
    variant: { type: 'string', multiple: true },
    stages: { type: 'boolean', default: false },
  },
});

interface Variant {
  name: string;
  cli: string;
  args: string[];
  env: Record<string, string>;
  /** Node/V8 flags of this variant's server process (GC settings compared in the same rounds). */
  nodeArgs: string[];
}

const variants: Variant[] = (values.variant ?? [`this=${CLI}`]).map((spec) => {
  const [name, rest] = spec.split(/=(.*)/s) as [string, string];
  const [cli, ...rest2] = rest.split(',');
  const env = Object.fromEntries(rest2.filter((a) => a.startsWith('env:')).map((a) => a.slice(4).split(/=(.*)/s) as [string, string]));
  const nodeFlags = rest2.filter((a) => a.startsWith('node:')).map((a) => a.slice(5));
  return { name, cli: path.resolve(cli!), args: rest2.filter((a) => !a.startsWith('env:') && !a.startsWith('node:')), env, nodeArgs: nodeFlags };
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const concurrency = Number(values.concurrency);
const tree = path.resolve(values.tree!);
const nodeArgs = (process.env.MESHGUARD_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const stdoutFile = process.env.MESHGUARD_BENCH_SERVER_STDOUT;
let started = 0;
const serveEnv = Object.fromEntries((process.env.MESHGUARD_BENCH_SERVE_ENV ?? '').split(',').filter(Boolean).map((kv) => kv.split(/=(.*)/s) as [string, string]));

/** User + system CPU of a process and all its threads, in ms (Linux). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // Fields 14 and 15 of stat(5), counted from the state field (3).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** CPU ms of each thread of a process, by thread id (Linux). */
function threadCpuMs(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      threads.set(Number(tid), ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/**
 * Where the server's CPU went, per request: its main thread, then its other threads by decreasing use (the
 * evaluation threads, V8's GC and compiler helpers, libuv's pool; Node names them all "node").
 */
function threadSplit(pid: number, before: Map<number, number>, after: Map<number, number>, requests: number): string {
  const delta = [...after].map(([tid, ms]) => [tid, (ms - (before.get(tid) ?? 0)) / requests] as const);
  const main = delta.find(([tid]) => tid === pid)?.[1] ?? 0;
  const others = delta.filter(([tid, ms]) => tid !== pid && ms > 0).map(([, ms]) => ms).sort((a, b) => b - a);
  return `main ${main.toFixed(3)} + ${others.map((ms) => ms.toFixed(3)).join(' + ')}`;
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

const { resources } = await loadWorkspace(['.'], tree, DEFAULT_CONFIG);
const objects = resources.filter((r) => ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'DestinationRule', 'CronJob'].includes(r.kind)).slice(0, 500);
const bodies = objects.map((r, i) =>
  JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: `bench-${i}`, operation: 'CREATE', namespace: r.namespace, object: r.object } }),
);
const tls = makeCertificate();

interface Sample extends LoadResult {
  cpuMsPerRequest: number;
  /** The load generator's own CPU per request: it shares the cores with the server. */
  clientCpuMsPerRequest: number;
  threads: string;
  load: string;
  /** With --stages: the per-stage summary of the measured reviews. */
  stages?: string;
}

const stagesDir = values.stages ? mkdtempSync(path.join(tmpdir(), 'meshguard-stages-')) : undefined;

/**
 * The stamps of the measured reviews (the rows after the warm-up's, in the order they were answered) as
 * per-stage durations: median, p99, and the mean over the slowest 1% by server time.
 */
function stagesSummary(file: string): string {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const names = header!.split('\t');
  const rows = lines.slice(warmup).map((line) => line.split('\t').map((v) => (v === '' ? Number.NaN : Number(v))));
  const at = (row: number[], name: string): number => row[names.indexOf(name)]!;
  const spans: [string, string, string][] = [
    ['read', 'start', 'bodyRead'],
    ['dispatch', 'bodyRead', 'posted'],
    ['toThread', 'posted', 'taken'],
    ['parse', 'taken', 'parsed'],
    ['rules', 'parsed', 'evaluated'],
    ['serialize', 'evaluated', 'serialized'],
    ['back', 'serialized', 'returned'],
    ['respond', 'returned', 'responded'],
    ['total', 'start', 'responded'],
  ];
  const durations = spans.map(([name, from, to]) => [name, rows.map((row) => at(row, to) - at(row, from))] as const);
  const totals = durations.at(-1)![1];
  const slowest = totals.map((t, i) => [t, i] as const).sort((a, b) => b[0] - a[0]).slice(0, Math.max(1, Math.ceil(totals.length / 100))).map(([, i]) => i);
  const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  return durations
    .map(([name, values]) => {
      const known = values.filter((v) => !Number.isNaN(v));
      return `${name} ${percentile(known, 50).toFixed(3)}/${percentile(known, 99).toFixed(2)}/${mean(slowest.map((i) => values[i]!).filter((v) => !Number.isNaN(v))).toFixed(2)}`;
    })
    .join('  ');
}

async function measure(kind: 'echo' | 'meshguard', variant?: Variant): Promise<Sample> {
  const server = await startServer(kind, tls, kind === 'meshguard' ? tree : undefined, variant ? { cli: variant.cli, args: variant.args, env: { ...serveEnv, ...variant.env, ...(stagesDir ? { MESHGUARD_SERVE_STAGES: stagesFile(variant) } : {}) }, nodeArgs: [...nodeArgs, ...variant.nodeArgs], ...(stdoutFile ? { stdout: openSync(`${stdoutFile}.${variant.name}.${started + 1}`, 'w') } : {}) } : undefined);
  try {
    await generateLoad(server.port, bodies, warmup, concurrency);
    const load = loadAverage();
    const cpuBefore = cpuMsOf(server.process.pid!);
    const threadsBefore = threadCpuMs(server.process.pid!);
    const clientBefore = process.cpuUsage();
    const result = await generateLoad(server.port, bodies, requests, concurrency);
    const client = process.cpuUsage(clientBefore);
    const cpuMsPerRequest = (cpuMsOf(server.process.pid!) - cpuBefore) / requests;
    const threads = threadSplit(server.process.pid!, threadsBefore, threadCpuMs(server.process.pid!), requests);
    return { ...result, cpuMsPerRequest, clientCpuMsPerRequest: (client.user + client.system) / 1000 / requests, threads, load };
  } finally {
    server.process.kill('SIGTERM');
    await new Promise((resolve) => server.process.once('exit', resolve));
    ++started;
  }
}

/** Where the server measured now writes its stamps (--stages). */
function stagesFile(variant: Variant): string {
  return path.join(stagesDir!, `${variant.name}.${started + 1}.tsv`);
}

async function measureWithStages(kind: 'echo' | 'meshguard', variant?: Variant): Promise<Sample> {
  const file = stagesDir && variant ? stagesFile(variant) : undefined;
  const sample = await measure(kind, variant);
  // A build without the stamps (before they existed) writes no file.
  return file && existsSync(file) ? { ...sample, stages: stagesSummary(file) } : sample;
}

const samples = new Map<string, Sample[]>([['echo', []], ...variants.map((v) => [v.name, []] as [string, Sample[]])]);
const line = (round: number, name: string, s: Sample, echo: Sample): void =>
  console.log(
    `round ${round} ${name.padEnd(10)} ${s.perSecond.toFixed(0).padStart(5)}/s (${(s.perSecond / echo.perSecond).toFixed(3)}x)  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms (${(s.p99Ms / echo.p99Ms).toFixed(2)}x)  cpu ${s.cpuMsPerRequest.toFixed(3)} ms/req (client ${s.clientCpuMsPerRequest.toFixed(3)})  errors ${s.errors}  load ${s.load}\n    threads ms/req: ${s.threads}${s.stages ? `\n    stages ms (p50/p99/mean of the slowest 1%): ${s.stages}` : ''}`,
  );
for (let round = 1; round <= rounds; round++) {
  const echo = await measureWithStages('echo');
  samples.get('echo')!.push(echo);
  line(round, 'echo', echo, echo);
  // Alternate the order of the variants between rounds: the first one after the echo is not always the same.
  const order = round % 2 === 1 ? variants : [...variants].reverse();
  for (const variant of order) {
    const s = await measureWithStages('meshguard', variant);
    samples.get(variant.name)!.push(s);
    line(round, variant.name, s, echo);
  }
}

console.log(`\nmedians over ${rounds} rounds (${requests} requests after ${warmup} warm-up, concurrency ${concurrency}); ratios are per round, against that round's echo`);
const echoes = samples.get('echo')!;
for (const [name, list] of samples) {
  const throughput = list.map((s, i) => s.perSecond / echoes[i]!.perSecond);
  const p99 = list.map((s, i) => s.p99Ms / echoes[i]!.p99Ms);
  console.log(
    `${name.padEnd(10)} ${median(list.map((s) => s.perSecond)).toFixed(0)}/s  throughput/echo ${median(throughput).toFixed(3)} (${Math.min(...throughput).toFixed(3)}-${Math.max(...throughput).toFixed(3)})  p50 ${median(list.map((s) => s.p50Ms)).toFixed(2)} ms  p99 ${median(list.map((s) => s.p99Ms)).toFixed(2)} ms  p99/echo ${median(p99).toFixed(2)} (${Math.min(...p99).toFixed(2)}-${Math.max(...p99).toFixed(2)})  cpu ${median(list.map((s) => s.cpuMsPerRequest)).toFixed(3)} ms/req`,
  );
}
