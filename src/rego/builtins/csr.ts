// crypto.x509.parse_certificate_request: node:crypto has no PKCS #10 parser, so the request is read
// with a small DER reader. The result carries the field names of Go's x509.CertificateRequest (what
// OPA returns) for the parts policies check: subject, subject alternative names, key algorithm.
import { createPublicKey } from 'node:crypto';
import { builtinError, str, type HostBuiltin, type Json } from './args.js';
import { formatIp } from './net.js';

const NAME = 'crypto.x509.parse_certificate_request';

interface Tlv { tag: number; start: number; body: number; end: number }

function tlv(buf: Buffer, at: number): Tlv {
  if (at + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > buf.length) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[body + i]!;
    body += n;
  }
  if (body + len > buf.length) throw new Error('truncated DER');
  return { tag, start: at, body, end: body + len };
}

function children(buf: Buffer, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = t.body; at < t.end;) { const c = tlv(buf, at); out.push(c); at = c.end; }
  return out;
}

function oid(buf: Buffer, t: Tlv): string {
  const b = buf.subarray(t.body, t.end);
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

// Go's pkix.Name fields by attribute type.
const NAME_OIDS: Record<string, string> = {
  '2.5.4.6': 'Country', '2.5.4.10': 'Organization', '2.5.4.11': 'OrganizationalUnit', '2.5.4.7': 'Locality',
  '2.5.4.8': 'Province', '2.5.4.9': 'StreetAddress', '2.5.4.17': 'PostalCode',
};

function pkixName(buf: Buffer, t: Tlv): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const rdn of children(buf, t)) for (const atv of children(buf, rdn)) {
    const [type, value] = children(buf, atv);
    if (!type || !value) continue;
    const id = oid(buf, type), text = buf.subarray(value.body, value.end).toString('utf8');
    if (id === '2.5.4.3') out.CommonName = text;
    else if (id === '2.5.4.5') out.SerialNumber = text;
    else if (NAME_OIDS[id]) ((out[NAME_OIDS[id]] ??= []) as string[]).push(text);
  }
  return out;
}

const ip = (b: Buffer): string => formatIp(BigInt(`0x${b.toString('hex') || '0'}`), b.length === 4 ? 32 : 128);

function parse(der: Buffer): Record<string, Json> {
  const top = tlv(der, 0);
  const [info, , signature] = children(der, top);
  if (!info || !signature) throw new Error('not a certificate request');
  const [version, subject, spki, attrs] = children(der, info);
  if (!version || !subject || !spki) throw new Error('not a certificate request');
  const out: Record<string, Json> = {
    Raw: der.subarray(top.start, top.end).toString('base64'),
    RawTBSCertificateRequest: der.subarray(info.start, info.end).toString('base64'),
    RawSubjectPublicKeyInfo: der.subarray(spki.start, spki.end).toString('base64'),
    RawSubject: der.subarray(subject.start, subject.end).toString('base64'),
    Version: der[version.end - 1]!,
    Signature: der.subarray(signature.body + 1, signature.end).toString('base64'),
    PublicKeyAlgorithm: createPublicKey({ key: der.subarray(spki.start, spki.end), format: 'der', type: 'spki' }).asymmetricKeyType ?? null,
    Subject: pkixName(der, subject),
    DNSNames: null, EmailAddresses: null, IPAddresses: null, URIStrings: null,
  };
  // [0] attributes; the extensionRequest attribute carries the subject alternative names.
  for (const attr of attrs && attrs.tag === 0xa0 ? children(der, attrs) : []) {
    const [type, values] = children(der, attr);
    if (!type || !values || oid(der, type) !== '1.2.840.113549.1.9.14') continue;
    for (const exts of children(der, values)) for (const ext of children(der, exts)) {
      const parts = children(der, ext);
      if (oid(der, parts[0]!) !== '2.5.29.17') continue;
      const octets = parts[parts.length - 1]!;
      const names = tlv(der, octets.body);
      for (const g of children(der, names)) {
        const v = der.subarray(g.body, g.end);
        const key = g.tag === 0x82 ? 'DNSNames' : g.tag === 0x81 ? 'EmailAddresses' : g.tag === 0x87 ? 'IPAddresses' : g.tag === 0x86 ? 'URIStrings' : undefined;
        if (key) ((out[key] ??= []) as string[]).push(g.tag === 0x87 ? ip(v) : v.toString('utf8'));
      }
    }
  }
  return out;
}

export const CSR_BUILTINS: Record<string, HostBuiltin> = {
  [NAME]: { arity: 1, fn: (s) => {
    const input = str(NAME, s, 1);
    // PEM text, or base64 of PEM or DER, as OPA accepts.
    const text = input.startsWith('-----BEGIN') ? input : Buffer.from(input, 'base64').toString('latin1');
    const pem = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
    if (pem && pem[1] !== 'CERTIFICATE REQUEST' && pem[1] !== 'NEW CERTIFICATE REQUEST') return builtinError(NAME, 'invalid PEM-encoded certificate signing request');
    const der = pem ? Buffer.from(pem[2]!.replace(/\s+/g, ''), 'base64') : Buffer.from(input, 'base64');
    try {
      return parse(der);
    } catch (e) {
      return builtinError(NAME, `x509: malformed certificate request: ${(e as Error).message}`);
    }
  } },
};
