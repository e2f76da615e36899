/**
 * A parse thread (see parse-threads.ts): takes chunks through the shared counter until none is left, and
 * sends each chunk's parses back with their position arrays transferred, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { parseChunk, type ThreadJob, type ThreadResult } from './parse-threads.js';

parentPort!.on('message', (job: ThreadJob) => {
  const claims = new Int32Array(job.counter);
  for (let chunk = Atomics.add(claims, 0, 1); chunk < job.chunks.length; chunk = Atomics.add(claims, 0, 1)) {
    const results = parseChunk(job.texts, job.chunks[chunk]!, job.maxObjects);
    const message: ThreadResult = { chunk, results };
    parentPort!.postMessage(message, results.flatMap((r) => (r ? [r.index.nodes.buffer as ArrayBuffer] : [])));
  }
  parentPort!.postMessage('done');
});
