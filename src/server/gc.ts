import v8 from 'node:v8';

/**
 * V8 settings of the `meshguard serve` process, applied before its evaluation threads start (a V8 flag is
 * process-wide; a thread's heap reads it when the thread is created).
 *
 * Allocation-site pretenuring is off. An evaluation thread first loads the inventory, where nearly every
 * object survives, so V8 learns to allocate from those sites straight into the old generation; the reviews
 * that follow allocate from many of the same sites (resources, findings, views), and what they allocate dies
 * at once. Pretenured, it filled the old generation with garbage for the concurrent marker and the sweeper.
 * Measured on the bench's 500 review bodies in a worker thread holding the bench tree's inventory, 10,000
 * reviews after 4,000 warm-up ones, six interleaved pairs at load 8-9: heap after them 139-153 MB with
 * pretenuring, 112-116 MB without; GC pauses 414-510 ms in all (median 436) against 217-383 ms (median 359);
 * process CPU per review lower without in 5 of 6 pairs (medians ~0.22 and ~0.20 ms). Serving, no effect on
 * throughput or p99 could be told from the noise of the shared machine (ten interleaved rounds: lower CPU per
 * review in 5). MESHGUARD_SERVE_PRETENURING=1 keeps V8's default (for measuring it against this).
 */
export function configureServeHeap(): void {
  if (process.env.MESHGUARD_SERVE_PRETENURING === '1') return;
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}
