/**
 * One evaluation thread of `meshguard serve`. Rules (and the user's Rego) run here, never on the thread
 * that accepts connections: a policy that loops or backtracks for seconds cannot stall /healthz or other
 * requests, and the server can terminate this thread and answer per --failure-policy instead.
 */
import { parentPort, workerData } from 'node:worker_threads';
import path from 'node:path';
import type { MeshguardConfig } from '../config/types.js';
import { InputError } from '../load/discover.js';
import { loadWorkspace } from '../load/index.js';
import { Inventory } from '../model/inventory.js';
import { diskTree, renderWorkspace } from '../render/index.js';
import { splitClusters } from '../engine/clusters.js';
import { defaultCacheDir, defaultRules, loadPolicyRules } from '../policy/index.js';
import type { Resource } from '../model/types.js';
import { isRecord } from '../model/workload.js';
import { createAdmissionReviewer, type AdmissionOptions, type AdmissionReviewer } from './admission.js';
import { answerBody, epochNow, unevaluatedAnswer, type ToWorker, type FromWorker } from './protocol.js';
import { STAGES_FILE } from './stages.js';

export interface WorkerSettings extends Pick<AdmissionOptions, 'denyOn' | 'failurePolicy' | 'timeoutMs' | 'today'> {
  config: MeshguardConfig;
  /** Where the configuration's `policies:` patterns are resolved. */
  root: string;
  inventoryDir?: string;
  /** Multi-cluster mode: admit with this cluster's view of the inventory (its paths + shared). */
  cluster?: string;
}

/** What the pool passes to each thread: the settings and the shared word where it says what it is evaluating. */
export interface WorkerData extends WorkerSettings {
  status: SharedArrayBuffer;
}

const port = parentPort!;
const settings = workerData as WorkerData;
const status = new Float64Array(settings.status);
const post = (message: FromWorker): void => port.postMessage(message);
const encoder = new TextEncoder();

async function start(): Promise<void> {
  let rules;
  try {
    const policyRules = settings.config.policies.length > 0
      ? await loadPolicyRules({ root: settings.root, patterns: settings.config.policies, cacheDir: defaultCacheDir(settings.root) })
      : [];
    rules = [...defaultRules(), ...policyRules];
  } catch (error) {
    post({ type: 'init-failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  const reviewer = createAdmissionReviewer({ ...settings, rules });
  /** The snapshot's objects until the warm-up has reviewed them. */
  let snapshotObjects: readonly Resource[] = [];

  const loadInventory = async (): Promise<void> => {
    if (!settings.inventoryDir) return;
    try {
      // An inventory directory with no manifests yet is an empty cluster snapshot, not an error.
      const root = path.resolve(settings.inventoryDir);
      const workspace = await loadWorkspace(['.'], root, settings.config).catch((error: unknown) => {
        if (error instanceof InputError) return { files: [], resources: [], problems: [] };
        throw error;
      });
      // Kustomize roots and charts in the snapshot are rendered: the cluster holds what they render to.
      const rendered = await renderWorkspace({ files: workspace.files, resources: workspace.resources, problems: workspace.problems, tree: diskTree(root), disk: { root }, settings: settings.config.render, defaultNamespace: settings.config.defaultNamespace });
      const resources = settings.cluster
        ? [...(splitClusters(settings.config, rendered.resources, rendered.scopes).clusters.find((c) => c.name === settings.cluster)?.resources ?? [])]
        : [...rendered.resources, ...rendered.scopes.flatMap((scope) => scope.resources)];
      reviewer.setInventory(new Inventory(resources));
      snapshotObjects = resources;
      post({ type: 'inventory', resources: resources.length, problems: rendered.problems.length });
    } catch (error) {
      post({ type: 'inventory-failed', error: String(error) });
    }
  };

  port.on('message', (message: ToWorker) => {
    if (message.type === 'inventory') {
      void loadInventory();
      return;
    }
    // Answered per --failure-policy already (it waited behind a stuck review): evaluating it would only
    // keep this thread from the reviews that can still be answered in time.
    if (epochNow() > message.expiresAt) {
      post({ type: 'answer', id: message.id, ...unevaluatedAnswer(message.body, settings.failurePolicy ?? 'Fail', `evaluation exceeded ${settings.timeoutMs ?? 200} ms`) });
      return;
    }
    // The start time first: the pool reads the id, then the time.
    const taken = epochNow();
    status[1] = taken;
    status[0] = message.id;
    const stamps = STAGES_FILE ? [taken] : undefined;
    const answer = answerBody(reviewer, message.body, stamps);
    status[0] = 0;
    if (stamps) {
      // A body that is not JSON has no parse or rules instants.
      while (stamps.length < 3) stamps.push(Number.NaN);
      stamps.push(epochNow());
      answer.stamps = stamps;
    }
    post({ type: 'answer', id: message.id, ...answer });
  });
  await loadInventory();
  const warmedUp = warmUp(reviewer, snapshotObjects);
  snapshotObjects = [];
  post({ type: 'ready', warmUp: warmedUp });
}

void start();

/** Enough reviews for the code every review runs to be optimised by the JIT; bounded in time for big snapshots. */
const WARM_UP_REVIEWS = 2_000;
const WARM_UP_MS = 1_500;

/**
 * Review typical objects before taking traffic, through the whole path a request takes (bytes in, answer
 * out): the first evaluations of each rule compile code and fill lazy tables, and the JIT optimises what
 * runs often. Without it the first thousands of real reviews paid for that: a thread's CPU per
 * review kept falling over its first ~10,000 reviews (in one process reviewing the bench's requests, 78
 * functions were still being optimised between the 2,000th and the 7,000th review). The snapshot's own objects
 * are what this cluster's requests look like; a few fixed ones cover an empty snapshot.
 */
function warmUp(reviewer: AdmissionReviewer, snapshot: readonly Resource[]): { reviews: number; ms: number } {
  const labels = { app: 'warm-up' };
  const objects: unknown[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'warm-up', labels: { 'istio-injection': 'enabled' } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'warm-up', namespace: 'warm-up' }, spec: { selector: labels, ports: [{ name: 'http', port: 80 }] } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'warm-up', namespace: 'warm-up' },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'example/app:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } } },
    },
  ];
  const started = performance.now();
  const until = started + WARM_UP_MS;
  // Spread over the whole snapshot (its files come grouped by kind).
  const sampled = Math.min(WARM_UP_REVIEWS, snapshot.length);
  for (let j = 0; j < sampled; j++) objects.push(snapshot[Math.floor((j * snapshot.length) / sampled)]!.object);
  let i = 0;
  for (; i < objects.length && performance.now() < until; i++) {
    const object = objects[i];
    const namespace = isRecord(object) && isRecord(object.metadata) && typeof object.metadata.namespace === 'string' ? object.metadata.namespace : 'warm-up';
    const body = encoder.encode(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: `warm-up-${i}`, operation: 'CREATE', namespace, object } }));
    // Never throws; what it answers does not matter.
    answerBody(reviewer, body);
  }
  return { reviews: i, ms: Math.round(performance.now() - started) };
}
