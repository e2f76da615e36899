import { Worker } from 'node:worker_threads';
import { CODE_TREE, packageUrl } from '../assets.js';
import { epochNow, type AnswerBody, type FromWorker, type ToWorker } from './protocol.js';
import { STAGES_FILE } from './stages.js';
import type { WorkerSettings } from './worker.js';

const WORKER_SCRIPT = packageUrl(`${CODE_TREE}/server/worker.js`);

/** Past a review's budget, how long the watchdog waits for the rules' own deadline to answer (the promise is budget + 50 ms). */
const WATCHDOG_SLACK_MS = 15;

/** Reviews take well under a millisecond; one running for this long is exceptional. */
const SPILL_AFTER_MS = 10;


/** A start-up failure of the evaluation threads (a policy that does not compile): the server must not start. */
export class WorkerStartError extends Error {}

interface Pending {
  id: number;
  body: Uint8Array;
  /** When its deadline passes (epoch ms, the clock both threads share; none yet: Infinity): a thread skips it after that. */
  expiresAt: number;
  resolve: (answer: AnswerBody) => void;
  /** Set once answered: by its thread, or per --failure-policy when its budget ran out. */
  settled?: boolean;
  /**
   * Set when a stuck thread first kept it from being evaluated (it had to wait for a free thread, or was
   * moved off a stuck or replaced one): from then on it has one budget, however long it waits and however
   * many threads it is moved between. Without it, each move started a fresh budget and a burst of slow
   * reviews was answered seconds late. Reviews queued behind healthy threads (a burst of normal reviews)
   * get none: they are evaluated, not failed for the queue.
   */
  deadline?: NodeJS.Timeout;
  /** With MESHGUARD_SERVE_STAGES: when it was last posted to a thread (epoch ms). */
  postedAt?: number;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Requests sent to this thread, in the order it will answer them (a thread reviews one at a time). */
  queue: Pending[];
  /** Written by the thread: [id of the review it is evaluating or 0, when it started (epoch ms)]. */
  status: Float64Array;
  watchdog?: NodeJS.Timeout;
  /**
   * The review this thread is stuck on (answered already, per --failure-policy). The thread gets no new
   * work until it finishes it; if it does not within the kill delay, it is terminated and replaced.
   */
  stuckOn?: Pending;
  /** Reviews posted to it and then moved to other threads: their late answers are dropped. */
  moved: Set<number>;
  /** Its start-up failed: it is not replaced (the replacement would fail the same way). */
  failed?: boolean;
}

export interface WorkerPoolOptions {
  settings: WorkerSettings;
  size: number;
  /** Budget of one review. */
  timeoutMs: number;
  /** How long a thread may stay stuck on one review before it is terminated (default max(1 s, 5 budgets)). */
  killAfterMs?: number;
  /** How long the first thread may be on one review before new reviews go to another (default min(10 ms, budget / 4)). */
  spillAfterMs?: number;
  /** The answer to a review that could not be evaluated in time (per --failure-policy). */
  onStuck: (body: Uint8Array, why: string) => AnswerBody;
  log: (entry: Record<string, unknown>) => void;
}

/**
 * Evaluation threads behind the HTTPS server. Each review goes to the first healthy thread that is not busy
 * with an exceptionally long review; the others are warm standbys.
 *
 * Rules check the time between themselves, but one builtin call (a backtracking regex, a policy loop)
 * can run for seconds. A watchdog per thread therefore answers the review it is on per --failure-policy
 * once the budget is spent, moves the reviews queued behind it to the other threads, and gives the thread
 * no more work. A thread that was only slow (a loaded machine) comes back when it finishes; one still
 * busy after the kill delay is terminated (the only way to stop synchronous JS) and replaced. With two or
 * more threads, reviews keep being evaluated while one is stuck or restarting.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  /** Reviews waiting for a healthy thread (start-up, or every thread stuck or restarting); each has a deadline. */
  private readonly waiting: Pending[] = [];
  /** Reviews waiting for a healthy thread to have room (see `dispatch`). */
  private readonly backlog: Pending[] = [];
  private spillTimer?: NodeJS.Timeout;
  /** What the first thread ready did before taking traffic (for the start-up log). */
  warmUp?: { reviews: number; ms: number };
  private readonly killAfterMs: number;
  private readonly spillAfterMs: number;

  private constructor(private readonly options: WorkerPoolOptions) {
    this.killAfterMs = options.killAfterMs ?? Math.max(1_000, 5 * options.timeoutMs);
    this.spillAfterMs = options.spillAfterMs ?? Math.min(SPILL_AFTER_MS, options.timeoutMs / 4);
  }

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
      this.dispatch({ id: this.nextId++, body, expiresAt: Infinity, resolve });
    });
  }

  /** A stuck thread kept this review from being evaluated: it gets one budget from now, once. */
  private displaced(pending: Pending): void {
    if (pending.deadline || pending.settled) return;
    const budget = this.options.timeoutMs + WATCHDOG_SLACK_MS;
    pending.expiresAt = epochNow() + budget;
    pending.deadline = setTimeout(() => this.expire(pending), budget);
  }

  private expire(pending: Pending): void {
    const index = this.waiting.indexOf(pending);
    if (index >= 0) this.waiting.splice(index, 1);
    const queued = this.backlog.indexOf(pending);
    if (queued >= 0) this.backlog.splice(queued, 1);
    const why = index >= 0 || queued >= 0 ? `no evaluation thread was free within ${this.options.timeoutMs} ms` : `evaluation exceeded ${this.options.timeoutMs} ms`;
    this.settle(pending, this.options.onStuck(pending.body, why));
  }

  /** Ask every thread to reload the inventory directory. */
  reloadInventory(): void {
    for (const slot of this.slots) slot.worker.postMessage({ type: 'inventory' } satisfies ToWorker);
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) clearTimeout(slot.watchdog);
    clearTimeout(this.spillTimer);
    for (const pending of [...this.waiting.splice(0), ...this.backlog.splice(0), ...slots.flatMap((slot) => slot.queue)]) clearTimeout(pending.deadline);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private settle(pending: Pending, answer: AnswerBody): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.deadline);
    pending.resolve(answer);
  }

  /**
   * A new review. Reviews wait in the backlog only while every healthy thread is busy with one exceptionally long review,
   * and go to whichever thread is free first. Holding every review in the backlog and posting at most two per
   * thread (so that a standby could take over the queue of a stalled thread) was tried and measured: the
   * extra wake-ups of both threads cost more than it saved (server CPU per review 0.82-0.94 ms against
   * 0.64-0.70 ms posting at once, same rounds on the shared machine at load ~10).
   */
  private dispatch(pending: Pending): void {
    this.backlog.push(pending);
    this.pump();
  }

  /**
   * Reviews moved off a stuck or replaced thread go ahead of the backlog (they arrived before it), in the
   * order they arrived: unshifted and pumped one by one, the last one moved was posted first.
   */
  private requeueAhead(moved: Pending[]): void {
    this.backlog.unshift(...moved);
    this.pump();
  }

  /** Hand backlog reviews to threads while one can take them. */
  private pump(): void {
    while (this.backlog.length > 0) {
      const slot = this.pick();
      if (!slot) break;
      const pending = this.backlog.shift()!;
      if (pending.settled) continue;
      slot.queue.push(pending);
      if (STAGES_FILE) pending.postedAt = epochNow();
      // The bytes are copied, not transferred: a review may have to be re-sent to another thread.
      slot.worker.postMessage({ type: 'review', id: pending.id, body: pending.body, expiresAt: pending.expiresAt } satisfies ToWorker);
      if (slot.queue.length === 1) this.arm(slot);
    }
    if (this.backlog.length > 0) this.blocked();
  }

  /**
   * The first healthy thread takes every review; the others take over when it is stuck, restarting or busy
   * with one review for SPILL_AFTER_MS. Spreading normal reviews over the threads cost more than it gained on
   * two cores: each thread compiles the same code and fills the same caches for half the traffic, and the
   * threads compete with the connection thread (measured: server CPU per review 0.48 ms with two threads
   * sharing, 0.37 ms with one, after the same 12,000 warm-up requests, in one round at load ~5-8).
   */
  private pick(): Slot | undefined {
    const now = epochNow();
    for (const slot of this.slots) {
      if (this.healthy(slot) && !this.busyFor(slot, now)) return slot;
    }
    return undefined;
  }

  private healthy(slot: Slot): boolean {
    return slot.ready && !slot.stuckOn && slot.moved.size === 0;
  }

  /**
   * The thread has been on one review for longer than a normal review takes (a big object, a slow policy, a
   * garbage collection): the backlog goes to another thread rather than wait behind it.
   */
  private busyFor(slot: Slot, now: number): boolean {
    const [id, startedAt] = slot.status;
    return id !== 0 && now - startedAt! >= this.spillAfterMs;
  }

  /** The backlog could not be handed out: wait for a thread to answer, to have been busy too long, or to come back. */
  private blocked(): void {
    if (!this.slots.some((slot) => this.healthy(slot))) {
      // No thread left that could ever answer (their start-up failed after a restart): fail now, not never.
      if (this.slots.every((slot) => slot.failed)) {
        for (const pending of this.backlog.splice(0)) this.settle(pending, this.options.onStuck(pending.body, 'no evaluation thread could start'));
        return;
      }
      // Every thread stuck or starting: they wait, answered at their deadline if none is free by then.
      for (const pending of this.backlog.splice(0)) {
        if (pending.settled) continue;
        this.displaced(pending);
        this.waiting.push(pending);
      }
      return;
    }
    if (this.spillTimer) return;
    // Look again when the thread taking reviews will have been on its current one for spillAfterMs (an answer
    // looks again sooner).
    const now = epochNow();
    let wait = this.spillAfterMs;
    for (const slot of this.slots) {
      if (!this.healthy(slot)) continue;
      const [id, startedAt] = slot.status;
      if (id !== 0 && now - startedAt! < this.spillAfterMs) wait = Math.min(wait, this.spillAfterMs - (now - startedAt!));
    }
    this.spillTimer = setTimeout(() => {
      this.spillTimer = undefined;
      this.pump();
    }, Math.max(1, Math.ceil(wait)));
  }

  private dispatchWaiting(): void {
    for (const pending of this.waiting.splice(0)) if (!pending.settled) this.dispatch(pending);
    this.pump();
  }

  private spawn(onFirstReady?: () => void, onStartFailure?: (error: Error) => void): void {
    if (this.closed) return;
    const status = new Float64Array(new SharedArrayBuffer(16));
    const worker = new Worker(WORKER_SCRIPT, { workerData: { ...this.options.settings, status: status.buffer } });
    const slot: Slot = { worker, ready: false, queue: [], status, moved: new Set() };
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
      case 'ready':
        slot.ready = true;
        this.warmUp ??= message.warmUp;
        onFirstReady?.();
        this.dispatchWaiting();
        return;
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
        const { type: _type, id, ...answer } = message;
        if (answer.stamps) {
          const posted = slot.queue.find((p) => p.id === id)?.postedAt ?? Number.NaN;
          answer.stamps = [posted, ...answer.stamps, epochNow()];
        }
        const recovering = slot.stuckOn !== undefined || slot.moved.size > 0;
        if (slot.stuckOn?.id === id) {
          slot.stuckOn = undefined; // it was only slow: the late answer is dropped
        } else if (!slot.moved.delete(id)) {
          const index = slot.queue.findIndex((p) => p.id === id);
          if (index >= 0) this.settle(slot.queue.splice(index, 1)[0]!, answer);
        }
        const recovered = recovering && !slot.stuckOn && slot.moved.size === 0;
        // Re-armed for the next review, or once the thread is back in rotation; not for every answer.
        if (recovered || slot.queue.length > 0) this.arm(slot);
        else clearTimeout(slot.watchdog);
        if (recovered) this.dispatchWaiting();
        else this.pump();
        return;
      }
    }
  }

  /**
   * Watch the review the thread is working on now (the head of its queue): the thread itself says which
   * review it is on and since when, so time spent queued or a busy connection thread never counts as
   * evaluation. A thread that is stuck or recovering is watched for the kill delay instead.
   */
  private arm(slot: Slot): void {
    clearTimeout(slot.watchdog);
    if (slot.stuckOn || slot.moved.size > 0) {
      slot.watchdog = setTimeout(() => {
        const [id, startedAt] = slot.status;
        if (id !== 0 && epochNow() - startedAt! >= this.killAfterMs) {
          this.options.log({ level: 'warn', msg: 'evaluation thread replaced: a review exceeded its budget', timeoutMs: this.options.timeoutMs, stuckMs: Math.round(epochNow() - startedAt!) });
          this.replace(slot, false);
        } else this.arm(slot);
      }, this.killAfterMs / 4);
      return;
    }
    const head = slot.queue[0];
    if (!head) return;
    // A little past the budget: the rules' own deadline answers first when the time goes between rules.
    const budget = this.options.timeoutMs + WATCHDOG_SLACK_MS;
    const check = (): void => {
      if (slot.queue[0] !== head) return;
      const [id, startedAt] = slot.status;
      const elapsed = id === head.id ? epochNow() - startedAt! : 0;
      if (elapsed < budget) {
        // Not started yet (its answer to the previous review is on its way), or started later than thought.
        slot.watchdog = setTimeout(check, id === head.id ? budget - elapsed : Math.min(budget, 10));
        return;
      }
      slot.queue.shift();
      this.settle(head, this.options.onStuck(head.body, `evaluation exceeded ${this.options.timeoutMs} ms`));
      slot.stuckOn = head;
      // The reviews queued behind it go to healthy threads; this one's late answers to them are dropped.
      const queued = slot.queue.splice(0);
      for (const pending of queued) {
        slot.moved.add(pending.id);
        this.displaced(pending);
      }
      this.arm(slot);
      this.requeueAhead(queued);
    };
    slot.watchdog = setTimeout(check, budget);
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
    if (head) this.settle(head, this.options.onStuck(head.body, 'the evaluation thread stopped'));
    if (!slot.failed) this.spawn();
    for (const pending of orphans) this.displaced(pending);
    this.requeueAhead(orphans);
    if (this.slots.every((s) => s.failed)) {
      for (const pending of [...this.waiting.splice(0), ...this.backlog.splice(0)]) this.settle(pending, this.options.onStuck(pending.body, 'no evaluation thread could start'));
    }
  }
}
