// providers.aws.sign_req: AWS Signature Version 4 (header form) of a request object, as OPA returns it
// for http.send. A pure function of its operands (the time is an operand), so a policy may build signed
// requests even though meshguard never sends them.
import { createHash, createHmac } from 'node:crypto';
import { builtinError, numArg, obj, str, type HostBuiltin, type Json } from './args.js';

const NAME = 'providers.aws.sign_req';

const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, s: string): Buffer => createHmac('sha256', key).update(s, 'utf8').digest();

/** Headers a signer leaves out of the signature because proxies may add or rewrite them. */
const UNSIGNED_HEADERS = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

/** JSON as Go's encoder writes a body: object keys sorted, no spaces, <, > and & escaped. */
function goJson(v: Json): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const o = v as Record<string, Json>;
  return `{${Object.keys(o).sort().map((k) => `${goJson(k)}:${goJson(o[k])}`).join(',')}}`;
}

/** Scheme-relative parts as the signature uses them: the path and query exactly as written (an absent path is empty, not "/"). */
function urlParts(url: string): { host: string; path: string; query: string } {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(url);
  if (!m) return builtinError(NAME, `invalid url: ${JSON.stringify(url)}`);
  return { host: m[1]!, path: m[2]!, query: m[3] ?? '' };
}

function configString(config: Record<string, Json>, key: string, required: boolean): string {
  const v = config[key];
  if (v === undefined && !required) return '';
  if (typeof v !== 'string' || (required && v === '')) return builtinError(NAME, `invalid aws_config: ${key} must be a non-empty string`);
  return v;
}

function signRequest(reqArg: Json, configArg: Json, timeArg: Json): Json {
  const req = obj(NAME, reqArg, 1);
  const config = obj(NAME, configArg, 2);
  const ns = numArg(NAME, timeArg, 3);
  const method = str(NAME, req.method ?? null, 1);
  const { host, path, query } = urlParts(str(NAME, req.url ?? null, 1));
  const accessKey = configString(config, 'aws_access_key', true);
  const secretKey = configString(config, 'aws_secret_access_key', true);
  const service = configString(config, 'aws_service', true);
  const region = configString(config, 'aws_region', true);
  const sessionToken = configString(config, 'aws_session_token', false);
  const unsignedPayload = config.disable_payload_signing === true;

  const reqHeaders = req.headers === undefined ? {} : obj(NAME, req.headers, 1);
  // raw_body is sent as written; otherwise body is sent as JSON.
  const payload = typeof req.raw_body === 'string' ? req.raw_body : req.body === undefined ? '' : goJson(req.body);
  const contentSha = unsignedPayload ? 'UNSIGNED-PAYLOAD' : sha256Hex(payload);

  const stamp = new Date(Math.floor(ns / 1e6)).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const day = stamp.slice(0, 8);
  const awsHeaders: Record<string, string> = { host, 'x-amz-date': stamp };
  // S3 wants the payload hash as a header too; other services read it only from the canonical request.
  if (service === 's3') awsHeaders['x-amz-content-sha256'] = contentSha;
  if (sessionToken) awsHeaders['x-amz-security-token'] = sessionToken;

  // The request's own headers are signed as the request carries them (they win over the computed ones here),
  // while the returned request carries the computed values.
  const signed = new Map<string, string>(Object.entries(awsHeaders));
  for (const [k, v] of Object.entries(reqHeaders)) {
    const lower = k.toLowerCase();
    if (UNSIGNED_HEADERS.has(lower)) continue;
    signed.set(lower, Array.isArray(v) ? v.map(String).join(',') : typeof v === 'string' ? v : goJson(v));
  }
  const names = [...signed.keys()].sort();
  const canonical = [method, path, query, ...names.map((n) => `${n}:${signed.get(n)!}`), '', names.join(';'), contentSha].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', stamp, scope, sha256Hex(canonical)].join('\n');
  let key = hmac(`AWS4${secretKey}`, day);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');

  const headers: Record<string, Json> = { ...reqHeaders, ...awsHeaders };
  headers.Authorization = `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope},SignedHeaders=${names.join(';')},Signature=${signature}`;
  return { ...req, headers };
}

export const AWS_BUILTINS: Record<string, HostBuiltin> = {
  'providers.aws.sign_req': { arity: 3, fn: signRequest },
};
