import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGE_NAMES } from '../../src/server/stages.js';
import { listeningPort, makeCertificate, namespace, post, review, spawnServe } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';

// MESHGUARD_SERVE_STAGES is how the webhook's latency is taken apart (webhook-ab --stages): each review's instants
// at every hand-off, in order, on the clock both threads share.
describe('meshguard serve with MESHGUARD_SERVE_STAGES', () => {
  it('writes one row per review when it stops, each hand-off in order', async () => {
    const dir = tempDir('meshguard-serve-stages-');
    mkdirSync(path.join(dir, 'tls'));
    makeCertificate(path.join(dir, 'tls'), 'server');
    const file = path.join(dir, 'stages.tsv');
    const serve = spawnServe(['--cert', 'tls/server.crt', '--key', 'tls/server.key', '--port', '0', '--host', '127.0.0.1', '--shutdown-grace-ms', '0'], dir, { MESHGUARD_SERVE_STAGES: file });
    const port = await listeningPort(serve);
    for (let i = 0; i < 3; i++) {
      const reply = await post(port, review(`u-${i}`, namespace('a', { 'istio-injection': 'enabled' })));
      expect(JSON.parse(reply.body).response).toMatchObject({ uid: `u-${i}`, allowed: true });
    }
    expect((await post(port, '{"not json')).status).toBe(400);
    expect(existsSync(file)).toBe(false);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);

    const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(header!.split('\t')).toEqual([...STAGE_NAMES]);
    expect(rows).toHaveLength(4);
    const stamps = rows.map((row) => row.split('\t').map((v) => (v === '' ? Number.NaN : Number(v))));
    for (const row of stamps.slice(0, 3)) {
      expect(row).toHaveLength(STAGE_NAMES.length);
      for (const t of row) expect(Number.isFinite(t)).toBe(true);
      // Instants taken on two threads: each thread pairs the wall clock with its monotonic clock when it starts,
      // so their epochs can differ slightly (more if a thread was descheduled between the two readings).
      for (let i = 1; i < row.length; i++) expect(row[i]!).toBeGreaterThanOrEqual(row[i - 1]! - 2);
      expect(row.at(-1)! - row[0]!).toBeLessThan(60_000);
    }
    // A body that is not JSON is answered by the thread without being parsed or evaluated.
    const invalid = stamps[3]!;
    expect(Number.isNaN(invalid[STAGE_NAMES.indexOf('parsed')]!)).toBe(true);
    expect(Number.isNaN(invalid[STAGE_NAMES.indexOf('evaluated')]!)).toBe(true);
    expect(Number.isFinite(invalid[STAGE_NAMES.indexOf('serialized')]!)).toBe(true);
  }, 60_000);
});
