/**
 * One measurement in a fresh process (cold: no JIT warm-up, no file cache in the process), reporting
 * its own in-process time and peak RSS as one JSON line on stdout.
 */
import { readFile } from 'node:fs/promises';
import jsyaml from 'js-yaml';
import { parseAllDocuments, LineCounter } from 'yaml';
import { DEFAULT_CONFIG } from '../config/types.js';
import { runCheck } from '../check.js';
import { discoverFiles } from '../load/discover.js';
import { renderReport } from '../report/index.js';
import { toReportInput } from '../cli/check.js';

const [mode = 'check', root = '.', ...rest] = process.argv.slice(2);
const started = performance.now();
const cpuStarted = process.cpuUsage();
// A rendered bundle (Kubeflow's is 8.6 MB) is over the default size cap: the benchmark measures it, not the cap.
const config = { ...DEFAULT_CONFIG, maxFileBytes: Math.max(DEFAULT_CONFIG.maxFileBytes, 64 * 1024 * 1024) };
let detail: Record<string, unknown> = {};

if (mode === 'parse-js-yaml' || mode === 'parse-yaml') {
  // The physical limit: find, read and parse every file, nothing else.
  const files = await discoverFiles(['.'], { root, include: DEFAULT_CONFIG.include, exclude: DEFAULT_CONFIG.exclude });
  const texts = await Promise.all(files.map((f) => readFile(f.absPath, 'utf8')));
  let documents = 0;
  for (const text of texts) {
    if (mode === 'parse-js-yaml') jsyaml.loadAll(text, () => documents++, { schema: jsyaml.CORE_SCHEMA });
    else documents += parseAllDocuments(text, { lineCounter: new LineCounter() }).length;
  }
  detail = { files: files.length, documents };
} else if (mode === 'check') {
  const result = await runCheck({ root, inputs: ['.'], config, ...(rest.includes('--cache') ? { cacheFile: '.meshguard-cache/parse.json' } : {}) });
  const output = renderReport('json', toReportInput(result, 'error'));
  detail = { files: result.files.length, resources: result.resources, findings: result.findings.length, outputBytes: output.length };
}

const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
// CPU time as well as elapsed time: on a machine shared with other jobs, elapsed time includes waiting for a core.
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(`${JSON.stringify({ mode, elapsedMs, cpuMs, maxRssKb: process.resourceUsage().maxRSS, ...detail })}\n`);
