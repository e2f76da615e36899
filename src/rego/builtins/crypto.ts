// crypto.*: digests and HMACs of UTF-8 strings (hex), and X.509 certificates and private keys read
// with node:crypto. Certificates come back with the field names of Go's x509.Certificate (OPA returns
// that struct as JSON), limited to the fields node:crypto exposes; docs/policies.md lists them.
import { X509Certificate, createHash, createHmac, createPrivateKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { builtinError, obj, str, type HostBuiltin, type Json } from './args.js';

const hex = (alg: string) => (s: Json): string => createHash(alg).update(str(`crypto.${alg}`, s, 1), 'utf8').digest('hex');
const hmac = (alg: string) => (x: Json, k: Json): string => {
  const name = `crypto.hmac.${alg}`;
  return createHmac(alg, str(name, k, 2)).update(str(name, x, 1), 'utf8').digest('hex');
};

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** PEM text, base64 of PEM text, or base64 of DER: the forms OPA accepts for certificates and keys. */
function pemOrDer(input: string): { pem: string[]; der: Buffer[] } {
  const text = input.includes('-----BEGIN') ? input : Buffer.from(input, 'base64').toString('latin1');
  const pem = text.match(PEM_BLOCK) ?? [];
  if (pem.length || input.includes('-----BEGIN')) return { pem, der: [] };
  return { pem: [], der: input.trim() ? [Buffer.from(input, 'base64')] : [] };
}

function certificates(name: string, input: string): X509Certificate[] {
  const { pem, der } = pemOrDer(input);
  const blocks: Array<string | Buffer> = [...pem.filter((p) => p.includes('CERTIFICATE-----')), ...der];
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch (e) {
    return builtinError(name, `failed to parse certificate: ${(e as Error).message}`);
  }
}

// Go's pkix.Name field names for the attribute types node prints in `subject` / `issuer`.
const NAME_FIELDS: Record<string, string> = { C: 'Country', O: 'Organization', OU: 'OrganizationalUnit', L: 'Locality', ST: 'Province', street: 'StreetAddress', postalCode: 'PostalCode' };

function pkixName(dn: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const line of dn.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq), value = line.slice(eq + 1);
    if (key === 'CN') out.CommonName = value;
    else if (key === 'serialNumber') out.SerialNumber = value;
    else if (NAME_FIELDS[key]) ((out[NAME_FIELDS[key]] ??= []) as string[]).push(value);
  }
  return out;
}

function altNames(c: X509Certificate): { DNSNames?: string[]; EmailAddresses?: string[]; IPAddresses?: string[]; URIStrings?: string[] } {
  const out: { DNSNames?: string[]; EmailAddresses?: string[]; IPAddresses?: string[]; URIStrings?: string[] } = {};
  for (const part of (c.subjectAltName ?? '').split(/,\s*/)) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const kind = part.slice(0, colon), value = part.slice(colon + 1).replace(/^"|"$/g, '');
    const key = kind === 'DNS' ? 'DNSNames' : kind === 'email' ? 'EmailAddresses' : kind === 'IP Address' ? 'IPAddresses' : kind === 'URI' ? 'URIStrings' : undefined;
    if (key) (out[key] ??= []).push(value);
  }
  return out;
}

const rfc3339 = (d: string): string => new Date(d).toISOString().replace(/\.000Z$/, 'Z');

function certJson(c: X509Certificate): Record<string, Json> {
  const alt = altNames(c);
  return {
    Raw: c.raw.toString('base64'),
    Version: 3,
    // Go marshals the serial (a big.Int) as a JSON number.
    SerialNumber: BigInt(`0x${c.serialNumber}`),
    Issuer: pkixName(c.issuer),
    Subject: pkixName(c.subject),
    NotBefore: rfc3339(c.validFrom),
    NotAfter: rfc3339(c.validTo),
    IsCA: c.ca,
    BasicConstraintsValid: c.ca,
    DNSNames: alt.DNSNames ?? null,
    EmailAddresses: alt.EmailAddresses ?? null,
    IPAddresses: alt.IPAddresses ?? null,
    URIStrings: alt.URIStrings ?? null,
    PublicKeyAlgorithm: c.publicKey.asymmetricKeyType ?? null,
  };
}

/** The first certificate is the root, the last the leaf (OPA's order); every link must verify and be current. */
function verifyChain(certs: X509Certificate[], at: Date, dnsName?: string): boolean {
  if (certs.length < 2) return false;
  for (let i = 0; i < certs.length; i++) {
    const c = certs[i]!;
    if (new Date(c.validFrom) > at || new Date(c.validTo) < at) return false;
    const issuer = i === 0 ? c : certs[i - 1]!;
    if (i > 0 && !issuer.ca) return false;
    if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey)) return false;
  }
  return dnsName === undefined || certs[certs.length - 1]!.checkHost(dnsName) !== undefined;
}

function privateKeys(name: string, input: string): KeyObject[] {
  const { pem, der } = pemOrDer(input);
  try {
    return [
      ...pem.filter((p) => /PRIVATE KEY-----/.test(p)).map((p) => createPrivateKey(p)),
      ...der.map((d) => createPrivateKey({ key: d, format: 'der', type: 'pkcs8' })),
    ];
  } catch (e) {
    return builtinError(name, `failed to parse private key: ${(e as Error).message}`);
  }
}

export const CRYPTO_BUILTINS: Record<string, HostBuiltin> = {
  'crypto.md5': { arity: 1, fn: hex('md5') },
  'crypto.sha1': { arity: 1, fn: hex('sha1') },
  'crypto.sha256': { arity: 1, fn: hex('sha256') },
  'crypto.hmac.md5': { arity: 2, fn: hmac('md5') },
  'crypto.hmac.sha1': { arity: 2, fn: hmac('sha1') },
  'crypto.hmac.sha256': { arity: 2, fn: hmac('sha256') },
  'crypto.hmac.sha512': { arity: 2, fn: hmac('sha512') },
  'crypto.hmac.equal': { arity: 2, fn: (x, y) => {
    const a = Buffer.from(str('crypto.hmac.equal', x, 1)), b = Buffer.from(str('crypto.hmac.equal', y, 2));
    return a.length === b.length && timingSafeEqual(a, b);
  } },
  'crypto.x509.parse_certificates': { arity: 1, fn: (s) => {
    const certs = certificates('crypto.x509.parse_certificates', str('crypto.x509.parse_certificates', s, 1));
    if (!certs.length) builtinError('crypto.x509.parse_certificates', 'x509: malformed certificate');
    return certs.map(certJson);
  } },
  'crypto.x509.parse_and_verify_certificates': { arity: 1, fn: (s) => {
    const name = 'crypto.x509.parse_and_verify_certificates';
    const certs = certificates(name, str(name, s, 1));
    return verifyChain(certs, new Date()) ? [true, certs.map(certJson)] : [false, []];
  } },
  'crypto.x509.parse_and_verify_certificates_with_options': { arity: 2, fn: (s, o) => {
    const name = 'crypto.x509.parse_and_verify_certificates_with_options';
    const opts = obj(name, o, 2);
    const certs = certificates(name, str(name, s, 1));
    const at = typeof opts.CurrentTime === 'number' ? new Date(opts.CurrentTime / 1e6) : new Date();
    const dns = opts.DNSName === undefined ? undefined : str(name, opts.DNSName, 2);
    return verifyChain(certs, at, dns) ? [true, certs.map(certJson)] : [false, []];
  } },
  'crypto.x509.parse_rsa_private_key': { arity: 1, fn: (s) => {
    const name = 'crypto.x509.parse_rsa_private_key';
    const keys = privateKeys(name, str(name, s, 1));
    if (keys.length === 0 || keys[0]!.asymmetricKeyType !== 'rsa') return builtinError(name, 'failed to parse RSA private key');
    return keys[0]!.export({ format: 'jwk' });
  } },
  'crypto.parse_private_keys': { arity: 1, fn: (s) => {
    const name = 'crypto.parse_private_keys';
    const text = str(name, s, 1);
    if (text === '') return [];
    return privateKeys(name, text).map((k) => k.export({ format: 'jwk' }));
  } },
};

export { certificates };
