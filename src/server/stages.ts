/**
 * Where a review's time goes between the socket and the answer, for work on the webhook's latency:
 * with MESHGUARD_SERVE_STAGES=<file>, `meshguard serve` stamps each review at every hand-off (on the clock
 * both threads share) and writes one tab-separated row per review to that file when it stops.
 * `node dist/bench/webhook-ab.js --stages` reads them. Off (the default), nothing is stamped.
 */
import { writeFileSync } from 'node:fs';

export const STAGES_FILE = process.env.MESHGUARD_SERVE_STAGES || undefined;

/**
 * The instants of one review, epoch ms, in order: request handler entered, body read, posted to a thread,
 * taken by the thread, body parsed, rules done, answer serialised, answer back on the connection thread,
 * response written. A review answered without a thread leaves the thread's instants NaN.
 */
export const STAGE_NAMES = ['start', 'bodyRead', 'posted', 'taken', 'parsed', 'evaluated', 'serialized', 'returned', 'responded'] as const;

/** Rows kept in memory until the server stops; beyond this, later reviews are not stamped. */
const MAX_ROWS = 1_000_000;

export class StageLog {
  private readonly rows: string[] = [];

  constructor(private readonly file: string) {}

  add(stamps: readonly number[]): void {
    if (this.rows.length < MAX_ROWS) this.rows.push(stamps.map((t) => (Number.isNaN(t) ? '' : t.toFixed(3))).join('\t'));
  }

  write(): void {
    writeFileSync(this.file, `${STAGE_NAMES.join('\t')}\n${this.rows.join('\n')}\n`);
  }
}
