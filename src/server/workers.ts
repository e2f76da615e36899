import { Worker } from 'node:worker_threads';
import type { AnswerBody, FromWorker, ToWorker } from './protocol.js';
import type { WorkerSettings } from './worker.js';

const WORKER_SCRIPT = new URL('./worker.js', import.meta.url);

/** Past a review's budget, how long the watchdog waits before stopping its thread (the promise is budget + 50 ms). */
const WATCHDOG_SLACK_MS = 30;

/** A start-up failure of the evaluation threads (a policy that does not compile): the server must not start. */
export class WorkerStartError extends Error {}

interface Pending {
  id: number;
  body: Uint8Array;
  sentAt: number;
  resolve: (answer: AnswerBody) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Requests sent to this thread, in the order it will answer them (a thread reviews one at a time). */
  queue: Pending[];
  /** When the thread last finished something: the head of the queue has been running since then. */
  lastAnswerAt: number;
  watchdog?: NodeJS.Timeout;
  /** Its start-up failed: it is not replaced (the replacement would fail the same way). */
  failed?: boolean;
}

export interface WorkerPoolOptions {
  settings: WorkerSettings;
  size: number;
  /** Budget of one review; a thread still busy with one review this long after starting it is replaced. */
  timeoutMs: number;
  /** The answer given to a review whose thread had to be stopped (per --failure-policy). */
  onStuck: (body: Uint8Array, why: string) => AnswerBody;
  log: (entry: Record<string, unknown>) => void;
}

/**
 * Evaluation threads behind the HTTPS server. Each review goes to the least busy ready thread. Rules
 * check the time between themselves, but one builtin call (a backtracking regex, a policy loop) can run
 * for seconds: a watchdog per thread answers that review per --failure-policy when its budget is spent,
 * terminates the thread (the only way to stop synchronous JS) and starts a replacement; the reviews
 * queued behind it move to the other threads. With two or more threads, one is always warm.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  /** Reviews waiting for any thread to be ready (start-up, or every thread being replaced). */
  private readonly waiting: Pending[] = [];

  private constructor(private readonly options: WorkerPoolOptions) {}

  /** Start the threads and wait until the first one is ready; a start-up failure rejects. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    const firstReady = new Promise<void>((resolve, reject) => {
      for (let i = 0; i < Math.max(1, options.size); i++) pool.spawn(resolve, reject);
    });
    try {
      await firstReady;
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  review(body: Uint8Array): Promise<AnswerBody> {
    return new Promise((resolve) => {
      const pending: Pending = { id: this.nextId++, body, sentAt: performance.now(), resolve };
      this.dispatch(pending);
    });
  }

  /** Ask every thread to reload the inventory directory. */
  reloadInventory(): void {
    for (const slot of this.slots) slot.worker.postMessage({ type: 'inventory' } satisfies ToWorker);
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) clearTimeout(slot.watchdog);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(pending: Pending): void {
    let best: Slot | undefined;
    for (const slot of this.slots) if (slot.ready && (!best || slot.queue.length < best.queue.length)) best = slot;
    if (!best) {
      // No thread left that could ever answer (their start-up failed after a restart): fail now, not never.
      if (this.slots.every((slot) => slot.failed)) pending.resolve(this.options.onStuck(pending.body, 'no evaluation thread could start'));
      else this.waiting.push(pending);
      return;
    }
    if (best.queue.length === 0) best.lastAnswerAt = performance.now();
    best.queue.push(pending);
    // The bytes are copied, not transferred: a review may have to be re-sent to another thread.
    best.worker.postMessage({ type: 'review', id: pending.id, body: pending.body } satisfies ToWorker);
    if (best.queue.length === 1) this.arm(best);
  }

  private spawn(onFirstReady?: () => void, onStartFailure?: (error: Error) => void): void {
    if (this.closed) return;
    const worker = new Worker(WORKER_SCRIPT, { workerData: this.options.settings });
    const slot: Slot = { worker, ready: false, queue: [], lastAnswerAt: performance.now() };
    this.slots.push(slot);
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message, onFirstReady, onStartFailure));
    worker.on('error', (error) => {
      this.options.log({ level: 'error', msg: 'evaluation thread failed', error: String(error) });
      if (!slot.ready) onStartFailure?.(new WorkerStartError(String(error.message)));
    });
    worker.on('exit', () => this.replace(slot, true));
  }

  private onMessage(slot: Slot, message: FromWorker, onFirstReady?: () => void, onStartFailure?: (error: Error) => void): void {
    switch (message.type) {
      case 'ready': {
        slot.ready = true;
        onFirstReady?.();
        for (const pending of this.waiting.splice(0)) this.dispatch(pending);
        return;
      }
      case 'init-failed':
        // Starting another thread would fail the same way: this one is dropped, not replaced.
        slot.failed = true;
        this.options.log({ level: 'error', msg: 'evaluation thread could not start', error: message.message });
        onStartFailure?.(new WorkerStartError(message.message));
        return;
      case 'inventory':
        this.options.log({ level: 'info', msg: 'inventory loaded', resources: message.resources, problems: message.problems });
        return;
      case 'inventory-failed':
        this.options.log({ level: 'error', msg: 'inventory reload failed; keeping the previous snapshot', error: message.error });
        return;
      case 'answer': {
        const index = slot.queue.findIndex((p) => p.id === message.id);
        if (index < 0) return; // already answered by the watchdog
        const [pending] = slot.queue.splice(index, 1);
        slot.lastAnswerAt = performance.now();
        const { type: _type, id: _id, ...answer } = message;
        pending!.resolve(answer);
        this.arm(slot);
        return;
      }
    }
  }

  /** Watch the review at the head of the queue: the one the thread is working on now. */
  private arm(slot: Slot): void {
    clearTimeout(slot.watchdog);
    const head = slot.queue[0];
    if (!head) return;
    const startedAt = Math.max(head.sentAt, slot.lastAnswerAt);
    // A little past the budget: the rules' own deadline answers first when the time goes between rules,
    // and replacing a thread is far dearer than waiting for that answer.
    const due = startedAt + this.options.timeoutMs + WATCHDOG_SLACK_MS - performance.now();
    slot.watchdog = setTimeout(() => {
      if (slot.queue[0] !== head) return;
      slot.queue.shift();
      head.resolve(this.options.onStuck(head.body, `evaluation exceeded ${this.options.timeoutMs} ms`));
      this.options.log({ level: 'warn', msg: 'evaluation thread replaced: a review exceeded its budget', timeoutMs: this.options.timeoutMs });
      this.replace(slot, false);
    }, Math.max(0, due));
  }

  /**
   * Drop a thread, start its replacement, and hand its queued reviews to the others. `headFailed`: the
   * thread died while reviewing the head of its queue (out of memory, a defect), which must not take the
   * next thread with it: that review is answered per --failure-policy, the others are re-sent.
   */
  private replace(slot: Slot, headFailed: boolean): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    clearTimeout(slot.watchdog);
    slot.worker.removeAllListeners('exit');
    void slot.worker.terminate();
    if (this.closed) return;
    const orphans = slot.queue.splice(0);
    const head = headFailed ? orphans.shift() : undefined;
    head?.resolve(this.options.onStuck(head.body, 'the evaluation thread stopped'));
    if (!slot.failed) this.spawn();
    for (const pending of orphans) this.dispatch(pending);
    if (this.slots.every((s) => s.failed)) {
      for (const pending of this.waiting.splice(0)) pending.resolve(this.options.onStuck(pending.body, 'no evaluation thread could start'));
    }
  }
}
