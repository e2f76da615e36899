import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo } from 'node:net';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../src/bench/generate.js';
import { get, listeningPort, logEntries, makeCertificate, namespace, post, review, spawnServe, type ServeProcess } from '../helpers/serve.js';

/** Send raw bytes over TLS and collect what comes back until the server closes (or `idleMs` of silence). */
function rawTls(port: number, data: Buffer | string, options: { end?: boolean; destroyAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      socket.write(data);
      if (options.destroyAfterWrite) {
        socket.destroy();
        resolve('');
      } else if (options.end) socket.end();
    });
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      // One response is all we wait for: the status line and headers, and the body when it is sized.
      const head = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received);
      if (head >= 0 && (!length || received.length >= head + 4 + Number(length[1]))) socket.destroy();
    });
    socket.on('close', () => resolve(received));
    socket.on('error', () => undefined);
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const statusOf = (raw: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

describe('meshguard serve start-up failures: one meshguard: line naming the problem, exit 2', () => {
  let dir: string;
  let tls: { cert: string; key: string };
  let other: { cert: string; key: string };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'meshguard-serve-start-'));
    tls = makeCertificate(dir, 'server');
    other = makeCertificate(dir, 'other');
    writeFileSync(path.join(dir, 'garbage.crt'), 'not a certificate\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const fails = async (args: string[], expected: RegExp): Promise<void> => {
    const serve = spawnServe(['--port', '0', '--host', '127.0.0.1', ...args], dir);
    expect(await serve.exited).toBe(2);
    const lines = serve.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^meshguard: /);
    expect(lines[0]).toMatch(expected);
    expect(lines[0]).not.toMatch(/internal error/);
  };

  it('a missing inventory directory', () => fails(['--cert', tls.cert, '--key', tls.key, '--inventory', 'no-such-dir'], /--inventory no-such-dir: no such file or directory/));
  it('a missing certificate', () => fails(['--cert', 'missing.crt', '--key', tls.key], /--cert missing\.crt: no such file or directory/));
  it('a file that is not a certificate', () => fails(['--cert', 'garbage.crt', '--key', tls.key], /--cert garbage\.crt: not a PEM certificate/));
  it('a key that does not belong to the certificate', () => fails(['--cert', tls.cert, '--key', other.key], /the key does not belong to the certificate/));
  it('a missing configuration file', () => fails(['--cert', tls.cert, '--key', tls.key, '-c', 'nosuch.yaml'], /nosuch\.yaml/));
  it('a port out of range', () => fails(['--cert', tls.cert, '--key', tls.key, '--port', '70000'], /--port must be between 0 and 65535/));

  it('a port already in use', async () => {
    const taken = createTcpServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      await fails(['--cert', tls.cert, '--key', tls.key, '--port', String(port)], new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`));
    } finally {
      taken.close();
    }
  });
});

describe('meshguard serve under hostile and broken clients', () => {
  let dir: string;
  let serve: ServeProcess;
  let port: number;
  // The default budget; the slow policy below runs for about a second or more.
  const timeoutMs = 200;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'meshguard-serve-hostile-'));
    mkdirSync(path.join(dir, 'tls'));
    makeCertificate(path.join(dir, 'tls'), 'server');
    // A policy that keeps its thread busy for seconds on one object (millions of iterations in one rule).
    mkdirSync(path.join(dir, 'policy'));
    writeFileSync(
      path.join(dir, 'policy', 'slow.rego'),
      [
        'package main',
        '',
        'import rego.v1',
        '',
        'deny contains msg if {',
        '\tinput.kind == "ConfigMap"',
        '\tinput.metadata.name == "slow"',
        '\tr := numbers.range(1, 2000)',
        '\tsome x in r',
        '\tsome y in r',
        '\tx == y',
        '\tx < 0',
        '\tmsg := "unreachable"',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, '.meshguard.yaml'), 'policies: [policy/]\n');
    serve = spawnServe(
      ['--cert', 'tls/server.crt', '--key', 'tls/server.key', '--port', '0', '--host', '127.0.0.1', '--timeout-ms', String(timeoutMs), '--shutdown-grace-ms', '1500'],
      dir,
    );
    port = await listeningPort(serve);
  }, 60_000);

  afterAll(() => {
    if (process.env.DEBUG_SERVE) console.log(serve.stderr().split('\n').filter((l) => !l.includes('"admission review"') && !l.includes('request rejected')).join('\n'));
    serve.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers JSON that is not an AdmissionReview with 400 (null, arrays, scalars) and keeps serving', async () => {
    for (const body of ['null', '[]', '"x"', '42', 'true', '{"request":null}', '{"request":{"uid":7}}']) {
      expect((await post(port, body)).status).toBe(400);
    }
    expect((await get(port, '/healthz')).status).toBe(200);
  });

  it('answers odd request targets instead of crashing', async () => {
    expect(statusOf(await rawTls(port, 'GET // HTTP/1.1\r\nhost: x\r\n\r\n'))).toBe(404);
    expect(statusOf(await rawTls(port, 'GET http://[::1 HTTP/1.1\r\nhost: x\r\n\r\n'))).toBe(400);
    expect(statusOf(await rawTls(port, 'POST http://meshguard/validate HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 0\r\n\r\n'))).toBe(415);
    expect((await get(port, '/healthz')).status).toBe(200);
  });

  it('survives clients that disconnect in the middle of a body', async () => {
    for (let i = 0; i < 20; i++) {
      await rawTls(port, `POST /validate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"apiVersion":`, { destroyAfterWrite: true });
    }
    const reply = await post(port, review('after-abort', namespace('a', { 'istio-injection': 'enabled' })));
    expect(JSON.parse(reply.body).response).toMatchObject({ uid: 'after-abort', allowed: true });
  });

  it('answers an admission.k8s.io/v1beta1 review in v1beta1, and refuses an unknown version clearly', async () => {
    const beta = JSON.parse((await post(port, review('u-beta', namespace('a', { 'istio-injection': 'true' }), {}, 'admission.k8s.io/v1beta1'))).body);
    expect(beta.apiVersion).toBe('admission.k8s.io/v1beta1');
    expect(beta.response).toMatchObject({ uid: 'u-beta', allowed: false });
    const unknown = await post(port, review('u-v2', namespace('a', {}), {}, 'admission.k8s.io/v2'));
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).response.status.message).toMatch(/unsupported AdmissionReview apiVersion 'admission.k8s.io\/v2'/);
  });

  it('answers per --failure-policy when a policy runs past --timeout-ms, while /healthz stays answered', async () => {
    const slow = review('u-slow', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'slow', namespace: 'a' } });
    const order: string[] = [];
    const started = performance.now();
    const slowReply = post(port, slow).then((reply) => {
      order.push('review');
      return { reply, ms: performance.now() - started };
    });
    // Sent while the slow review is being evaluated: the connection-handling thread is never blocked.
    const health = get(port, '/healthz').then((reply) => {
      order.push('healthz');
      return reply;
    });
    const [{ reply, ms }, healthReply] = await Promise.all([slowReply, health]);
    expect(healthReply.status).toBe(200);
    expect(order[0]).toBe('healthz');
    expect(reply.status).toBe(200);
    const response = JSON.parse(reply.body).response;
    expect(response).toMatchObject({ uid: 'u-slow', allowed: false, status: { code: 500 } });
    expect(response.status.message).toMatch(/could not evaluate ConfigMap\/slow: evaluation exceeded 200 ms/);
    const served = logEntries(serve.stderr()).find((e) => e.uid === 'u-slow');
    console.log(`pathological review answered in ${ms.toFixed(0)} ms at the client, ${String(served?.durationMs)} ms in the server (--timeout-ms ${timeoutMs})`);
    // The thread busy with the policy gets no work until it finishes (or is replaced): the next reviews are
    // evaluated normally by the other thread.
    const next = await post(port, review('u-next', namespace('a', { 'istio-injection': 'true' })));
    expect(JSON.parse(next.body).response).toMatchObject({ uid: 'u-next', allowed: false, status: { code: 403 } });
  });

  it('answers every review of a burst of pathological ones per --failure-policy within its own budget, however long it waited', async () => {
    // More slow reviews than threads, round after round: reviews wait for a thread, are moved off stuck
    // ones, and land on replacement threads. Each review's budget runs from when the server read it: before,
    // it restarted with each thread it landed on, and reviews were answered 2-3 s late (--timeout-ms 200).
    const uids: string[] = [];
    // Two alone, then rounds of four: the pattern that showed the defect most reliably.
    for (let round = 0; round < 14; round++) {
      const replies = await Promise.all(
        Array.from({ length: round < 2 ? 1 : 4 }, (_, i) => {
          const uid = `burst-${round}-${i}`;
          uids.push(uid);
          return post(port, review(uid, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'slow', namespace: 'a' } }));
        }),
      );
      for (const reply of replies) {
        const response = JSON.parse(reply.body).response;
        expect(response).toMatchObject({ allowed: false, status: { code: 500 } });
        expect(response.status.message).toMatch(/exceeded 200 ms|no evaluation thread was free within 200 ms/);
      }
    }
    // The server's own measure, from request read to response written; the log lines may trail the answers.
    let served: Record<string, unknown>[] = [];
    while (served.length < uids.length) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      served = logEntries(serve.stderr()).filter((e) => uids.includes(e.uid as string));
    }
    const durations = served.map((e) => e.durationMs as number);
    console.log(`burst of ${uids.length} pathological reviews: server-side max ${Math.max(...durations).toFixed(0)} ms (--timeout-ms ${timeoutMs})`);
    // Generous: the +50 ms target is measured by src/bench/hardening.ts; on a loaded shared machine a timer
    // can fire late, but not by the seconds the defect cost.
    expect(Math.max(...durations)).toBeLessThan(timeoutMs + 1_500);
    // Before the next tests: the threads come back (replaced or finished) and review normally again.
    let reply: { allowed?: boolean } = {};
    for (let i = 0; reply.allowed !== true; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      reply = JSON.parse((await post(port, review(`after-burst-${i}`, namespace('a', { 'istio-injection': 'enabled' })))).body).response;
    }
  }, 60_000);

  it('survives 10,000 random requests, answering every one it could answer', async () => {
    const seed = Number(process.env.MESHGUARD_FUZZ_SEED ?? Date.now() % 1_000_000);
    console.log(`fuzz seed ${seed} (MESHGUARD_FUZZ_SEED to replay)`);
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const randomJson = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.3) return pick([null, true, false, 0, -1, 1e308, 'x', '', '\u0000', 'ü'.repeat(5)]);
      if (r < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(depth + 1));
      const keys = ['apiVersion', 'kind', 'request', 'uid', 'object', 'metadata', 'spec', 'namespace', 'operation', 'name', 'labels', 'template', 'containers'];
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [pick(keys), randomJson(depth + 1)]));
    };
    const validObject = (i: number): unknown =>
      pick([
        namespace(`ns-${i}`, { 'istio-injection': pick(['enabled', 'disabled', 'true', '']) }),
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `d-${i}`, namespace: 'a' }, spec: randomJson(1) },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: `s-${i}` }, spec: { ports: randomJson(2) } },
        { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: `r-${i}`, namespace: 'a' }, spec: randomJson(1) },
      ]);
    const agent = new Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
    const viaAgent = (method: string, target: string, body: Buffer | string, type = 'application/json'): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: target, method, agent, headers: { 'content-type': type, 'content-length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });

    const total = Number(process.env.MESHGUARD_FUZZ_TOTAL ?? 10_000);
    const inFlight = new Map<number, string>();
    const stall = setInterval(() => console.log(`in flight: ${JSON.stringify([...inFlight.entries()].slice(0, 10))}`), 20_000);
    let unanswered = 0;
    let wrong = 0;
    const failures: string[] = [];
    const kinds: Record<string, number> = {};
    const one = async (i: number): Promise<void> => {
      const r = random();
      const kind = r < 0.4 ? 'review' : r < 0.6 ? 'json' : r < 0.75 ? 'bytes' : r < 0.88 ? 'method' : r < 0.94 ? 'truncated' : 'raw';
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      inFlight.set(i, kind);
      try {
        if (kind === 'review') {
          const reply = await viaAgent('POST', '/validate', review(`f-${i}`, validObject(i), {}, pick(['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'])));
          if (reply.status !== 200 || JSON.parse(reply.body).response.uid !== `f-${i}`) { wrong++; if (failures.length < 5) failures.push(`${kind} #${i}: ${reply.status} ${reply.body.slice(0, 200)}`); }
        } else if (kind === 'json') {
          const value = randomJson(0);
          const reply = await viaAgent('POST', '/validate', JSON.stringify(value));
          // Now and then the generator builds a real (if odd) review: that one is answered with 200.
          const answerable = isRecord(value) && isRecord(value.request) && typeof value.request.uid === 'string' && value.request.uid !== '' && (value.apiVersion === undefined);
          if (reply.status !== (answerable ? 200 : 400)) { wrong++; if (failures.length < 5) failures.push(`${kind} #${i}: ${reply.status} ${reply.body.slice(0, 200)}`); }
        } else if (kind === 'bytes') {
          const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
          const reply = await viaAgent('POST', '/validate', bytes, pick(['application/json', 'application/json; charset=utf-8']));
          if (reply.status !== 400) { wrong++; if (failures.length < 5) failures.push(`${kind} #${i}: ${reply.status} ${reply.body.slice(0, 200)}`); }
        } else if (kind === 'method') {
          const reply = await viaAgent(pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'POST']), pick(['/', '//', '/validate/', '/%00', '/metrics?x', '/healthz#', '/validate?timeout=', '/..%2f', '/a'.repeat(50)]), 'x', pick(['text/plain', 'application/json']));
          if (reply.status < 200) { wrong++; if (failures.length < 5) failures.push(`${kind} #${i}: ${reply.status} ${reply.body.slice(0, 200)}`); }
        } else if (kind === 'truncated') {
          // The client goes away mid-body: there is nobody to answer, the server must simply carry on.
          const body = review(`t-${i}`, validObject(i));
          await rawTls(port, `POST /validate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, Math.floor(random() * body.length))}`, { destroyAfterWrite: true });
        } else {
          const line = pick(['GET', 'POST', 'BREW', '']) + ' ' + pick(['//', 'http://[::1', '*', '/validate', '\u0000', 'http://a:99999/']) + pick([' HTTP/1.1', ' HTTP/9.9', '', ' HTTP/1.1 extra']);
          const raw = await rawTls(port, `${line}\r\nhost: x\r\n${pick(['', 'content-length: -1\r\n', 'transfer-encoding: chunked\r\n', 'content-length: 5\r\ncontent-length: 6\r\n'])}\r\n`, { end: true });
          if (statusOf(raw) === 0) throw new Error(`no answer to ${JSON.stringify(line)}: ${JSON.stringify(raw)}`);
        }
      } catch (error) {
        unanswered++;
        if (failures.length < 5) failures.push(`${kind} #${i}: ${String(error)}`);
      }
      inFlight.delete(i);
    };
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < total) await one(next++);
    };
    await Promise.all(Array.from({ length: 24 }, lane));
    agent.destroy();
    clearInterval(stall);
    console.log(`fuzz: ${JSON.stringify(kinds)}; ${unanswered} unanswered, ${wrong} wrong answers`, failures);
    expect(unanswered).toBe(0);
    expect(wrong).toBe(0);
    expect(serve.child.exitCode).toBe(null);
    expect((await get(port, '/healthz')).status).toBe(200);
    const after = await post(port, review('after-fuzz', namespace('a', { 'istio-injection': 'enabled' })));
    expect(JSON.parse(after.body).response).toMatchObject({ uid: 'after-fuzz', allowed: true });
  }, 300_000);

  it('reloads the certificate only when the certificate or key changes (not for other files in its directory)', async () => {
    const tlsDir = path.join(dir, 'tls');
    const reloads = (): number => logEntries(serve.stderr()).filter((e) => e.msg === 'certificate reloaded').length;
    const before = reloads();
    // A log file next to the certificate, written continuously, and the certificate rewritten unchanged.
    for (let i = 0; i < 20; i++) {
      appendFileSync(path.join(tlsDir, 'serve.log'), `line ${i}\n`);
      await new Promise((r) => setTimeout(r, 20));
    }
    copyFileSync(path.join(tlsDir, 'server.crt'), path.join(tlsDir, 'copy.crt'));
    renameSync(path.join(tlsDir, 'copy.crt'), path.join(tlsDir, 'server.crt'));
    // Then a real rotation: its reload is logged after every earlier event has been handled.
    makeCertificate(dir, 'rotated');
    renameSync(path.join(dir, 'rotated.key'), path.join(tlsDir, 'server.key'));
    renameSync(path.join(dir, 'rotated.crt'), path.join(tlsDir, 'server.crt'));
    while (reloads() === before) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    expect(reloads()).toBe(before + 1);
    expect(readFileSync(path.join(tlsDir, 'server.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('on SIGTERM goes unready first, keeps answering during the grace period, then drains and exits 0', async () => {
    serve.child.kill('SIGTERM');
    let readiness = 200;
    // Every request before and after /readyz turns 503 is answered: no connection is refused while draining starts.
    while (readiness === 200) readiness = (await get(port, '/readyz')).status;
    expect(readiness).toBe(503);
    const reply = await post(port, review('u-grace', namespace('a', { 'istio-injection': 'enabled' })));
    expect(JSON.parse(reply.body).response).toMatchObject({ uid: 'u-grace', allowed: true });
    expect(reply.headers.connection).toBe('close');
    expect(await serve.exited).toBe(0);
    const messages = logEntries(serve.stderr()).map((e) => e.msg);
    expect(messages.indexOf('shutting down: unready, still serving')).toBeLessThan(messages.indexOf('draining'));
    expect(messages.at(-1)).toBe('stopped');
  });
});

describe('meshguard serve connection limits', () => {
  it('caps open connections and closes connections that never send a request (slow loris)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-serve-loris-'));
    const tls = makeCertificate(dir, 'server');
    const serve = spawnServe(['--cert', tls.cert, '--key', tls.key, '--port', '0', '--host', '127.0.0.1', '--max-connections', '20', '--header-timeout-ms', '500'], dir);
    const port = await listeningPort(serve);
    try {
    const sockets = Array.from({ length: 100 }, () => tcpConnect({ host: '127.0.0.1', port }).on('error', () => undefined));
    // Every one of them is closed by the server: at once beyond --max-connections, after the handshake timeout otherwise.
    await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.on('close', resolve))));
    // A TLS client that sends half its headers and stops is closed too.
    const partial = await rawTls(port, 'POST /validate HTTP/1.1\r\nhost: x\r\n');
    expect(statusOf(partial) === 0 || statusOf(partial) === 408).toBe(true);
    expect((await get(port, '/healthz')).status).toBe(200);
    } finally {
      serve.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

});

interface LoadedRequest {
  started: number;
  ended: number;
  /** The TLS handshake completed: the server process had accepted the connection. */
  connected: boolean;
  status?: number;
  error?: string;
}

/** One review over a fresh connection, recording whether the server had accepted it when it failed. */
function reviewUnderLoad(port: number, body: string): Promise<LoadedRequest> {
  const started = performance.now();
  let connected = false;
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/validate?timeout=10s', method: 'POST', headers: { 'content-type': 'application/json' }, rejectUnauthorized: false, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ started, ended: performance.now(), connected: true, status: res.statusCode ?? 0 }));
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ started, ended: performance.now(), connected, error: error.code ?? error.message }));
      },
    );
    req.on('socket', (socket) => socket.once('secureConnect', () => (connected = true)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ started, ended: performance.now(), connected, error: error.code ?? error.message }));
    req.end(body);
  });
}

describe('meshguard serve SIGTERM under load (issue 20, item 7)', () => {
  it('turns /readyz 503 first, refuses no connection during the grace period, answers every accepted request, exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-serve-sigterm-'));
    const tls = makeCertificate(dir, 'server');
    const graceMs = 3_000;
    const serve = spawnServe(['--cert', tls.cert, '--key', tls.key, '--port', '0', '--host', '127.0.0.1', '--shutdown-grace-ms', String(graceMs)], dir);
    try {
      const port = await listeningPort(serve);
      let exited = false;
      void serve.exited.then(() => (exited = true));
      let signalledAt = Infinity;
      const requests: LoadedRequest[] = [];
      // Closed loop: each client sends its next review as soon as the previous one is answered, until the
      // server stops accepting connections after SIGTERM (or exits).
      const client = async (id: number): Promise<void> => {
        for (let i = 0; !exited; i++) {
          const outcome = await reviewUnderLoad(port, review(`load-${id}-${i}`, namespace(`ns-${id}`, { 'istio-injection': 'enabled' })));
          requests.push(outcome);
          if (outcome.error && outcome.started > signalledAt) return;
        }
      };
      const readiness: Array<{ at: number; status: number }> = [];
      const poll = async (): Promise<void> => {
        while (!exited) {
          const at = performance.now();
          const status = await get(port, '/readyz').then((r) => r.status, () => 0);
          readiness.push({ at, status });
          if (status !== 200) return;
        }
      };
      const clients = Array.from({ length: 8 }, (_, id) => client(id));
      // Load first, then the signal in the middle of it.
      while (requests.filter((r) => r.status === 200).length < 40) await new Promise((resolve) => setTimeout(resolve, 20));
      const polling = poll();
      signalledAt = performance.now();
      serve.child.kill('SIGTERM');
      await Promise.all([...clients, polling]);
      expect(await serve.exited).toBe(0);

      const firstUnready = readiness.find((r) => r.status !== 200);
      expect(firstUnready?.status).toBe(503);
      const failures = requests.filter((r) => r.error !== undefined || r.status !== 200);
      // Every request the server accepted got its answer: failures are only connections it no longer accepted.
      expect(failures.filter((r) => r.connected)).toEqual([]);
      expect(failures.every((r) => r.error !== undefined)).toBe(true);
      // Unready before anything is refused, and requests kept being answered after that, for the grace period.
      const firstFailure = Math.min(...failures.map((r) => r.started));
      expect(firstUnready!.at).toBeLessThan(firstFailure);
      expect(requests.filter((r) => r.status === 200 && r.started > firstUnready!.at).length).toBeGreaterThan(8);
      // The listener closes grace ms after the signal arrives, never before: a request sent a full second
      // before that (room for a slow connect on a loaded machine) is never refused.
      expect(failures.filter((r) => r.started < signalledAt + graceMs - 1_000)).toEqual([]);
      const messages = logEntries(serve.stderr()).map((e) => e.msg);
      expect(messages.indexOf('shutting down: unready, still serving')).toBeLessThan(messages.indexOf('draining'));
      expect(messages.at(-1)).toBe('stopped');
    } finally {
      serve.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
