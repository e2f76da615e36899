import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningPort, makeCertificate, namespace, post, review, spawnServe, type ServeProcess } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';

// The first evaluation thread takes every review while it keeps up; reviews wait in the server, not behind a
// thread, so that the standby takes them when that thread is held by one long review.
describe('meshguard serve hands reviews to the standby thread when the first one is busy', () => {
  let serve: ServeProcess;
  let port: number;

  beforeAll(async () => {
    const dir = tempDir('meshguard-serve-dispatch-');
    mkdirSync(path.join(dir, 'tls'));
    makeCertificate(path.join(dir, 'tls'), 'server');
    // Keeps its thread busy for about a second on one object, well within the budget below: evaluated, not cut.
    mkdirSync(path.join(dir, 'policy'));
    writeFileSync(
      path.join(dir, 'policy', 'long.rego'),
      ['package main', '', 'import rego.v1', '', 'deny contains msg if {', '\tinput.kind == "ConfigMap"', '\tinput.metadata.name == "long"', '\tr := numbers.range(1, 2000)', '\tsome x in r', '\tsome y in r', '\tx == y', '\tx < 0', '\tmsg := "unreachable"', '}', ''].join('\n'),
    );
    writeFileSync(path.join(dir, '.meshguard.yaml'), 'policies: [policy/]\n');
    serve = spawnServe(['--cert', 'tls/server.crt', '--key', 'tls/server.key', '--port', '0', '--host', '127.0.0.1', '--timeout-ms', '30000', '--shutdown-grace-ms', '0'], dir);
    port = await listeningPort(serve);
    // The server listens once one thread is ready; the other must be too, or it would simply be the one that is
    // free and the test would not tell whether a busy first thread hands reviews over.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }, 60_000);

  afterAll(() => {
    serve.child.kill('SIGKILL');
  });

  it('answers normal reviews sent during a long one before it, each evaluated', async () => {
    const order: string[] = [];
    const long = post(port, review('u-long', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'long', namespace: 'a' } })).then((reply) => {
      order.push('u-long');
      return reply;
    });
    // Time for the first thread to start on it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const replies = [];
    for (let i = 0; i < 5; i++) {
      const uid = `u-next-${i}`;
      const reply = await post(port, review(uid, namespace('a', { 'istio-injection': 'true' })));
      order.push(uid);
      replies.push(reply);
    }
    const longReply = await long;
    expect(order).toEqual(['u-next-0', 'u-next-1', 'u-next-2', 'u-next-3', 'u-next-4', 'u-long']);
    // Evaluated by the rules (the label value is one Istio ignores), not answered per --failure-policy.
    for (const reply of replies) expect(JSON.parse(reply.body).response).toMatchObject({ allowed: false, status: { code: 403 } });
    expect(JSON.parse(longReply.body).response).toMatchObject({ uid: 'u-long', allowed: true });
  }, 60_000);
});
