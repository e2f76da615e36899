// io.jwt.*: decoding, verifying and signing compact JWS tokens with node:crypto. Keys are given as
// OPA takes them: a PEM certificate or public key, a JWK or JWK set (JSON text) for verification, an
// HMAC secret for HS*, and a JWK for signing.
import { createHmac, createPrivateKey, createPublicKey, createSecretKey, sign, timingSafeEqual, verify, constants, type KeyObject } from 'node:crypto';
import { builtinError, obj, str, type HostBuiltin, type Json } from './args.js';
import { certificates } from './crypto.js';

interface Alg { hash: string | null; kind: 'hmac' | 'rsa' | 'pss' | 'ec' | 'eddsa' }
const ALGS: Record<string, Alg> = {
  HS256: { hash: 'sha256', kind: 'hmac' }, HS384: { hash: 'sha384', kind: 'hmac' }, HS512: { hash: 'sha512', kind: 'hmac' },
  RS256: { hash: 'sha256', kind: 'rsa' }, RS384: { hash: 'sha384', kind: 'rsa' }, RS512: { hash: 'sha512', kind: 'rsa' },
  PS256: { hash: 'sha256', kind: 'pss' }, PS384: { hash: 'sha384', kind: 'pss' }, PS512: { hash: 'sha512', kind: 'pss' },
  ES256: { hash: 'sha256', kind: 'ec' }, ES384: { hash: 'sha384', kind: 'ec' }, ES512: { hash: 'sha512', kind: 'ec' },
  EdDSA: { hash: null, kind: 'eddsa' },
};

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

function fromB64url(name: string, part: string): Buffer {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(part)) builtinError(name, 'illegal base64 data');
  return Buffer.from(part, 'base64url');
}

function jsonPart(name: string, part: string, what: string): Record<string, Json> {
  let v: Json;
  try { v = JSON.parse(fromB64url(name, part).toString('utf8')); } catch { return builtinError(name, `JWT ${what} had invalid encoding`); }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) builtinError(name, `JWT ${what} is not an object`);
  return v as Record<string, Json>;
}

/** The token a JWT-typed payload carries: its text, or a JSON string holding it. */
function innerToken(name: string, part: string): string {
  const text = fromB64url(name, part).toString('utf8').trim();
  if (!text.startsWith('"')) return text;
  try { return String(JSON.parse(text)); } catch { return builtinError(name, 'JWT payload had invalid encoding'); }
}

/** io.jwt.decode of a nested token gives the innermost token's header, payload and signature. */
function innermost(name: string, jwt: string): Token {
  let tok = parse(name, jwt);
  for (let depth = 0; typeof tok.header.cty === 'string' && tok.header.cty.toUpperCase() === 'JWT' && depth < 32; depth++) {
    tok = parse(name, innerToken(name, tok.signed.split('.')[1]!));
  }
  return tok;
}

interface Token { header: Record<string, Json>; payload: Record<string, Json>; signature: Buffer; signed: string }

function parse(name: string, jwt: string): Token {
  const parts = jwt.split('.');
  if (parts.length !== 3) builtinError(name, parts.length === 5 ? 'JWE is not supported' : 'encoded JWT must have 3 sections, found ' + parts.length);
  const header = jsonPart(name, parts[0]!, 'header');
  // A JOSE header with "enc" belongs to an encrypted token (JWE), whatever its number of sections.
  if (header.enc !== undefined) builtinError(name, 'JWT is a JWE object, which is not supported');
  let payload: Record<string, Json>;
  // A token whose content type is JWT carries another token as its payload (OPA decodes the inner one).
  if (typeof header.cty === 'string' && header.cty.toUpperCase() === 'JWT') {
    payload = parse(name, innerToken(name, parts[1]!)).payload;
  } else payload = jsonPart(name, parts[1]!, 'payload');
  return { header, payload, signature: fromB64url(name, parts[2]!), signed: `${parts[0]}.${parts[1]}` };
}

/** Public keys from a PEM certificate, a PEM public key, or a JWK / JWK set. */
function publicKeys(name: string, material: string): KeyObject[] {
  const text = material.trim();
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as { keys?: unknown[] };
      const list = Array.isArray(jwk.keys) ? jwk.keys : [jwk];
      return list.map((k) => createPublicKey({ key: k as never, format: 'jwk' }));
    }
    if (text.includes('CERTIFICATE-----')) return certificates(name, text).map((c) => c.publicKey);
    return [createPublicKey(text)];
  } catch (e) {
    return builtinError(name, `failed to parse key: ${(e as Error).message}`);
  }
}

function checkSignature(alg: Alg, signed: string, signature: Buffer, key: KeyObject | Buffer): boolean {
  const data = Buffer.from(signed);
  try {
    if (alg.kind === 'hmac') {
      const mac = createHmac(alg.hash!, key as Buffer).update(data).digest();
      return mac.length === signature.length && timingSafeEqual(mac, signature);
    }
    const k = key as KeyObject;
    if (alg.kind === 'pss') return verify(alg.hash, data, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
    if (alg.kind === 'ec') return verify(alg.hash, data, { key: k, dsaEncoding: 'ieee-p1363' }, signature);
    return verify(alg.hash, data, k, signature);
  } catch {
    return false;
  }
}

function verifyWith(algName: string) {
  const alg = ALGS[algName]!;
  const name = `io.jwt.verify_${algName.toLowerCase()}`;
  return (t: Json, k: Json): boolean => {
    const tok = parse(name, str(name, t, 1));
    const material = str(name, k, 2);
    if (alg.kind === 'hmac') return checkSignature(alg, tok.signed, tok.signature, Buffer.from(material));
    return publicKeys(name, material).some((key) => checkSignature(alg, tok.signed, tok.signature, key));
  };
}

const CONSTRAINTS = new Set(['cert', 'secret', 'alg', 'iss', 'aud', 'time']);

function decodeVerify(t: Json, c: Json): Json {
  const name = 'io.jwt.decode_verify';
  const constraints = obj(name, c, 2);
  for (const k of Object.keys(constraints)) if (!CONSTRAINTS.has(k)) builtinError(name, `unknown token validation constraint: ${k}`);
  if ((constraints.cert === undefined) === (constraints.secret === undefined)) builtinError(name, 'exactly one of cert or secret must be given');
  const invalid = [false, {}, {}];
  const tok = parse(name, str(name, t, 1));
  const algName = tok.header.alg;
  const alg = typeof algName === 'string' ? ALGS[algName] : undefined;
  if (!alg) return invalid;
  if (constraints.alg !== undefined && constraints.alg !== algName) return invalid;
  const ok = constraints.secret !== undefined
    ? alg.kind === 'hmac' && checkSignature(alg, tok.signed, tok.signature, Buffer.from(str(name, constraints.secret, 2)))
    : alg.kind !== 'hmac' && publicKeys(name, str(name, constraints.cert, 2)).some((key) => checkSignature(alg, tok.signed, tok.signature, key));
  if (!ok) return invalid;
  const nowSeconds = (typeof constraints.time === 'number' ? constraints.time : Date.now() * 1e6) / 1e9;
  const p = tok.payload;
  for (const claim of ['exp', 'nbf'] as const) {
    if (p[claim] !== undefined && typeof p[claim] !== 'number') builtinError(name, `${claim} value must be a number`);
  }
  if (p.exp !== undefined && nowSeconds >= (p.exp as number)) return invalid;
  if (p.nbf !== undefined && nowSeconds < (p.nbf as number)) return invalid;
  if (constraints.iss !== undefined && p.iss !== constraints.iss) return invalid;
  if (p.aud !== undefined) {
    const auds = Array.isArray(p.aud) ? p.aud : [p.aud];
    if (constraints.aud === undefined || !auds.includes(constraints.aud)) return invalid;
  } else if (constraints.aud !== undefined) return invalid;
  return [true, tok.header, tok.payload];
}

/** Go's json.Marshal of a map: keys sorted. */
function canonical(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, Json>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function signCompact(name: string, headerText: string, payloadText: string, jwk: Record<string, Json>): string {
  let header: Record<string, Json>;
  try { header = JSON.parse(headerText) as Record<string, Json>; } catch { return builtinError(name, 'headers must be a JSON object'); }
  const algName = header?.alg;
  const alg = typeof algName === 'string' ? ALGS[algName] : undefined;
  if (!alg) return builtinError(name, `unsupported signature algorithm ${String(algName)}`);
  const signed = `${b64url(headerText)}.${b64url(payloadText)}`;
  let sig: Buffer;
  try {
    if (alg.kind === 'hmac') {
      if (typeof jwk.k !== 'string') return builtinError(name, 'an HMAC key must be a JWK with "k"');
      sig = createHmac(alg.hash!, createSecretKey(Buffer.from(jwk.k, 'base64url'))).update(signed).digest();
    } else {
      const key = createPrivateKey({ key: jwk as never, format: 'jwk' });
      if (alg.kind === 'pss') sig = sign(alg.hash, Buffer.from(signed), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
      else if (alg.kind === 'ec') sig = sign(alg.hash, Buffer.from(signed), { key, dsaEncoding: 'ieee-p1363' });
      else sig = sign(alg.hash, Buffer.from(signed), key);
    }
  } catch (e) {
    return builtinError(name, `failed to sign: ${(e as Error).message}`);
  }
  return `${signed}.${b64url(sig)}`;
}

const verifiers: Record<string, HostBuiltin> = {};
for (const alg of Object.keys(ALGS)) verifiers[`io.jwt.verify_${alg.toLowerCase()}`] = { arity: 2, fn: verifyWith(alg) };

export const JWT_BUILTINS: Record<string, HostBuiltin> = {
  ...verifiers,
  'io.jwt.decode': { arity: 1, fn: (t) => {
    const tok = innermost('io.jwt.decode', str('io.jwt.decode', t, 1));
    return [tok.header, tok.payload, tok.signature.toString('hex')];
  } },
  'io.jwt.decode_verify': { arity: 2, fn: decodeVerify },
  'io.jwt.encode_sign': { arity: 3, fn: (h, p, k) => {
    const name = 'io.jwt.encode_sign';
    return signCompact(name, canonical(obj(name, h, 1)), canonical(obj(name, p, 2)), obj(name, k, 3));
  } },
  'io.jwt.encode_sign_raw': { arity: 3, fn: (h, p, k) => {
    const name = 'io.jwt.encode_sign_raw';
    let jwk: Json;
    try { jwk = JSON.parse(str(name, k, 3)); } catch { return builtinError(name, 'key must be a JWK (JSON text)'); }
    return signCompact(name, str(name, h, 1), str(name, p, 2), obj(name, jwk, 3));
  } },
};
