// OPA builtins, each checked against OPA's documented behaviour (examples from OPA's builtin reference,
// published test vectors, or Go's documented semantics where OPA delegates to Go).
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalQuery } from '../../src/rego/index.js';

/** The value of `x := <expr>` in a Rego v1 module (undefined when the rule is undefined). */
async function value(expr: string, opts: { strict?: boolean; v0?: boolean; input?: unknown } = {}): Promise<unknown> {
  const source = opts.v0 ? `package t\nx := ${expr}\n` : `package t\nimport rego.v1\nx := ${expr}\n`;
  const rows = await evalQuery('x = data.t.x', [{ path: 't.rego', source }], { strictBuiltinErrors: opts.strict, v0: opts.v0, input: opts.input });
  return rows.length ? rows[0]!.x : undefined;
}

describe('issue 18 root cause 2: json.patch paths', () => {
  it('takes a path without a leading slash as OPA does (Trivy pod_containers())', async () => {
    expect(await value('json.patch({"name": "c"}, [{"op": "add", "path": "securityContext", "value": {}}])'))
      .toEqual({ name: 'c', securityContext: {} });
    expect(await value('json.patch({"a": {"b": 1}}, [{"op": "replace", "path": "//a/b", "value": 2}])')).toEqual({ a: { b: 2 } });
  });
});

describe('issue 18 root cause 6: strings.replace_n and json.remove', () => {
  it('replaces in one pass: replaced text is not scanned again', async () => {
    expect(await value('strings.replace_n({"a": "b", "b": "c"}, "ab")')).toBe('bc');
    expect(await value('strings.replace_n({"<": "&lt;", "&": "&amp;"}, "a<b&c")')).toBe('a&lt;b&amp;c');
  });
  it('inserts an empty key\'s replacement at every position, once', async () => {
    expect(await value('strings.replace_n({"": "-"}, "ab")')).toBe('-a-b-');
    expect(await value('strings.replace_n({"": "X", "a": "Y"}, "ab")')).toBe('XYXbX');
  });
  it('is a type error for a non-string key (undefined by default)', async () => {
    await expect(value('strings.replace_n({1: "x"}, "1")', { strict: true })).rejects.toThrow(/eval_type_error: strings.replace_n: operand 1 non-string key/);
    expect(await value('strings.replace_n({1: "x"}, "1")')).toBeUndefined();
  });
  it('json.remove and json.filter type-check their operands', async () => {
    expect(await value('json.remove({"a": 1, "b": 2}, ["a"])')).toEqual({ b: 2 });
    await expect(value('json.remove({"a": 1}, "a")', { strict: true })).rejects.toThrow(/eval_type_error: json.remove: operand 2/);
    await expect(value('json.remove({"a": 1}, [1])', { strict: true })).rejects.toThrow(/eval_type_error: json.remove: operand 2/);
    await expect(value('json.filter([1], ["a"])', { strict: true })).rejects.toThrow(/eval_type_error: json.filter: operand 1/);
  });
});

describe('regex builtins have RE2 semantics (issue 18, issue 20 item 4)', () => {
  it('a nested quantifier cannot backtrack catastrophically', async () => {
    expect(await value(`regex.match("^([a-z]+)+$", "${'a'.repeat(32)}!")`)).toBe(false);
    expect(await value(`regex.match("^([a-z]+)+$", "${'a'.repeat(32)}")`)).toBe(true);
  });
  it('rejects what RE2 rejects, with Go\'s message', async () => {
    expect(await value('regex.is_valid("(?=a)")')).toBe(false);
    expect(await value('regex.is_valid("(a)\\\\1")')).toBe(false);
    await expect(value('regex.match("(?=a)", "a")', { strict: true })).rejects.toThrow(/error parsing regexp: invalid or unsupported Perl syntax: `\(\?=`/);
  });
  it('`$` is the end of the text (no multi-line), `.` does not match a newline', async () => {
    expect(await value('regex.match("a$", "a\\n")')).toBe(false);
    expect(await value('regex.match("^a.b$", "a\\nb")')).toBe(false);
    expect(await value('regex.match("(?s)^a.b$", "a\\nb")')).toBe(true);
  });
  it('regex.replace expands $1, ${name} and $name like Go', async () => {
    expect(await value('regex.replace("a1 b2", `(?P<x>\\w)(\\d)`, "${x}-$2")')).toBe('a-1 b-2');
    // `$1x` names a group "1x", which does not exist: empty, as in Go.
    expect(await value('regex.replace("a1", `(\\w)(\\d)`, "$1x|${1}x")')).toBe('|ax');
    expect(await value('regex.replace("baaab", "a*", "-")')).toBe('-b-b-');
  });
  it('regex.split and find_n follow Go\'s handling of empty matches', async () => {
    expect(await value('regex.split("a*", "baaab")')).toEqual(['b', 'b']);
    expect(await value('regex.find_n("a*", "baaab", -1)')).toEqual(['', 'aaa', '']);
    expect(await value('regex.find_all_string_submatch_n("(a)|(b)", "ab", -1)')).toEqual([['a', 'a', ''], ['b', '', 'b']]);
  });
  it('regex.template_match and regex.globs_match (OPA reference examples)', async () => {
    expect(await value('regex.template_match("urn:foo:{.*}", "urn:foo:bar:baz", "{", "}")')).toBe(true);
    expect(await value('regex.template_match("urn:foo.bar.com:{.*}", "urn:foo.bar.com:bar:baz", "{", "}")')).toBe(true);
    expect(await value('regex.template_match("urn:foo:{[0-9]+}", "urn:foo:bar", "{", "}")')).toBe(false);
    expect(await value('regex.globs_match("a.a.", ".b.b")')).toBe(true);
    expect(await value('regex.globs_match("[a-c]+", "[x-z]+")')).toBe(false);
    expect(await value('regex.globs_match("a*", "b*")')).toBe(false);
    expect(await value('regex.globs_match("a.*", "[a-z]+z")')).toBe(true);
  });
  it('glob.match does not blow up on many stars', async () => {
    const text = 'a'.repeat(80);
    expect(await value(`glob.match("*a*a*a*a*a*b", null, "${text}")`)).toBe(false);
    expect(await value(`glob.match("*a*a*a*a*a*a", null, "${text}")`)).toBe(true);
    expect(await value('glob.match("*.github.com", [], "api.github.com")')).toBe(true);
    expect(await value('glob.match("*.github.com", [], "api.cdn.github.com")')).toBe(false);
    expect(await value('glob.match("{cat,bat,[fr]at}", [], "rat")')).toBe(true);
  });
});

describe('crypto.*', () => {
  it('digests and HMACs (published test vectors)', async () => {
    expect(await value('crypto.md5("hello")')).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(await value('crypto.sha1("hello")')).toBe('aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d');
    expect(await value('crypto.sha256("hello")')).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(await value('crypto.hmac.sha256("The quick brown fox jumps over the lazy dog", "key")'))
      .toBe('f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
    expect(await value('crypto.hmac.md5("The quick brown fox jumps over the lazy dog", "key")')).toBe('80070713463e7749b90c2dc24911e275');
    expect(await value('crypto.hmac.equal("abc", "abc")')).toBe(true);
    expect(await value('crypto.hmac.equal("abc", "abd")')).toBe(false);
  });

  const openssl = spawnSync('openssl', ['version']).status === 0;
  it.skipIf(!openssl)('parses and verifies X.509 certificates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshguard-x509-'));
    try {
      const run = (...args: string[]): void => { expect(spawnSync('openssl', args, { cwd: dir }).status).toBe(0); };
      run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Mesh CA/O=Platform', '-addext', 'basicConstraints=critical,CA:TRUE');
      run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=api.mesh.local');
      run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1');
      const ca = readFileSync(join(dir, 'ca.pem'), 'utf8'), leaf = readFileSync(join(dir, 'leaf.pem'), 'utf8');
      const certs = await value('crypto.x509.parse_certificates(input.pem)', { input: { pem: leaf } }) as Array<Record<string, any>>;
      expect(certs[0]!.Subject.CommonName).toBe('api.mesh.local');
      expect(certs[0]!.Issuer).toEqual({ CommonName: 'Mesh CA', Organization: ['Platform'] });
      const b64 = Buffer.from(leaf).toString('base64');
      expect((await value('crypto.x509.parse_certificates(input.pem)', { input: { pem: b64 } }) as unknown[]).length).toBe(1);
      const [ok] = await value('crypto.x509.parse_and_verify_certificates(input.pem)', { input: { pem: ca + leaf } }) as [boolean];
      expect(ok).toBe(true);
      const [reversed] = await value('crypto.x509.parse_and_verify_certificates(input.pem)', { input: { pem: leaf + ca } }) as [boolean];
      expect(reversed).toBe(false);
      const jwk = await value('crypto.x509.parse_rsa_private_key(input.key)', { input: { key: readFileSync(join(dir, 'leaf.key'), 'utf8') } }) as Record<string, string>;
      expect(jwk.kty).toBe('RSA');
      run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'csr.key', '-out', 'r.csr', '-subj', '/CN=api.mesh.local/O=Platform',
        '-addext', 'subjectAltName=DNS:api.mesh.local,IP:10.0.0.1,IP:2001:db8::1,URI:spiffe://mesh/ns/a');
      const csr = await value('crypto.x509.parse_certificate_request(input.csr)', { input: { csr: readFileSync(join(dir, 'r.csr'), 'utf8') } }) as Record<string, unknown>;
      expect(csr).toMatchObject({
        Subject: { CommonName: 'api.mesh.local', Organization: ['Platform'] },
        DNSNames: ['api.mesh.local'], IPAddresses: ['10.0.0.1', '2001:db8::1'], URIStrings: ['spiffe://mesh/ns/a'],
      });
      await expect(value('crypto.x509.parse_certificate_request(input.pem)', { input: { pem: leaf }, strict: true })).rejects.toThrow(/invalid PEM-encoded certificate signing request/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('io.jwt.*', () => {
  // The example token of RFC 7519 tooling (jwt.io), signed with HS256 and "your-256-bit-secret".
  const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
  it('decodes and verifies HS256', async () => {
    const [header, payload] = await value(`io.jwt.decode("${TOKEN}")`) as [unknown, unknown];
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({ sub: '1234567890', name: 'John Doe', iat: 1516239022 });
    expect(await value(`io.jwt.verify_hs256("${TOKEN}", "your-256-bit-secret")`)).toBe(true);
    expect(await value(`io.jwt.verify_hs256("${TOKEN}", "another secret")`)).toBe(false);
    expect(await value(`io.jwt.decode_verify("${TOKEN}", {"secret": "your-256-bit-secret", "alg": "HS256"})`))
      .toEqual([true, { alg: 'HS256', typ: 'JWT' }, { sub: '1234567890', name: 'John Doe', iat: 1516239022 }]);
    expect(await value(`io.jwt.decode_verify("${TOKEN}", {"secret": "your-256-bit-secret", "iss": "someone"})`)).toEqual([false, {}, {}]);
  });
  it('signs with a JWK and verifies with the public key (RS256, ES256, PS256, EdDSA)', async () => {
    for (const [alg, type, opts] of [['RS256', 'rsa', { modulusLength: 2048 }], ['PS256', 'rsa', { modulusLength: 2048 }], ['ES256', 'ec', { namedCurve: 'P-256' }], ['EdDSA', 'ed25519', {}]] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'rsa', opts as { modulusLength: number });
      const input = { jwk: privateKey.export({ format: 'jwk' }), pem: publicKey.export({ format: 'pem', type: 'spki' }) };
      const token = await value(`io.jwt.encode_sign({"alg": "${alg}"}, {"iss": "mesh", "exp": 4102444800}, input.jwk)`, { input }) as string;
      const verify = `io.jwt.verify_${alg.toLowerCase()}`;
      expect(await value(`${verify}(input.token, input.pem)`, { input: { ...input, token } }), alg).toBe(true);
      const [ok, , payload] = await value('io.jwt.decode_verify(input.token, {"cert": input.pem, "iss": "mesh"})', { input: { ...input, token } }) as [boolean, unknown, unknown];
      expect(ok, alg).toBe(true);
      expect(payload).toEqual({ iss: 'mesh', exp: 4102444800 });
    }
  });
  it('rejects an expired token in decode_verify', async () => {
    const token = await value('io.jwt.encode_sign_raw(`{"alg":"HS256"}`, `{"exp":1000}`, `{"kty":"oct","k":"c2VjcmV0"}`)') as string;
    expect(await value(`io.jwt.verify_hs256("${token}", "secret")`)).toBe(true);
    expect(await value(`io.jwt.decode_verify("${token}", {"secret": "secret"})`)).toEqual([false, {}, {}]);
  });
});

describe('net.cidr_*', () => {
  it('merges, expands, validates and matches (OPA reference examples)', async () => {
    expect(await value('net.cidr_merge(["192.0.128.0/24", "192.0.129.0/24"])')).toEqual(['192.0.128.0/23']);
    expect(await value('net.cidr_merge(["10.0.0.1", "10.0.0.0", "2001:db8::/64", "2001:db8:0:0:1::/80"])')).toEqual(['10.0.0.0/31', '2001:db8::/64']);
    expect(await value('net.cidr_expand("192.168.0.0/30")')).toEqual(['192.168.0.0', '192.168.0.1', '192.168.0.2', '192.168.0.3']);
    expect(await value('net.cidr_is_valid("10.0.0.0/8")')).toBe(true);
    expect(await value('net.cidr_is_valid("10.0.0.0")')).toBe(false);
    expect(await value('net.cidr_is_valid("10.0.0.0/33")')).toBe(false);
    expect(await value('net.cidr_contains_matches("1.1.1.0/24", "1.1.1.128")')).toEqual([['1.1.1.0/24', '1.1.1.128']]);
    expect(await value('net.cidr_contains_matches(["1.1.1.0/24", "1.1.2.0/24"], "1.1.1.128")')).toEqual([[0, '1.1.1.128']]);
    expect(await value('net.cidr_contains_matches({"x": "1.1.0.0/16"}, ["1.1.1.128", ["2.0.0.1", "tag"]])')).toEqual([['x', 0]]);
    expect(await value('net.cidr_overlap("192.168.0.0/16", "192.168.1.1")', { v0: true })).toBe(true);
  });
});

describe('sets, objects, graphs and numbers', () => {
  it('object.subset (OPA reference examples)', async () => {
    expect(await value('object.subset({"a": "b", "c": {"x": {10, 15, 20, 25}, "y": "z"}}, {"c": {"x": {10, 15, 20}}})')).toBe(true);
    expect(await value('object.subset({"a": "b", "c": {"x": {10, 15, 20, 25}, "y": "z"}}, {"c": {"x": {10, 15, 20, 30}}})')).toBe(false);
    expect(await value('object.subset([1, 2, 3, 4, 5], [2, 3, 4])')).toBe(true);
    expect(await value('object.subset([1, 2, 3, 4, 5], [2, 4])')).toBe(false);
    expect(await value('object.subset([1, 2, 3], {3, 1})')).toBe(true);
    expect(await value('object.subset({1, 2, 3}, {3, 4})')).toBe(false);
  });
  it('graph.reachable and graph.reachable_paths return sets', async () => {
    const g = '{"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a"}}';
    expect(await value(`graph.reachable(${g}, {"a"})`)).toEqual(['a', 'b', 'c']);
    expect(await value(`is_set(graph.reachable(${g}, ["b"]))`)).toBe(true);
    expect(await value(`graph.reachable_paths(${g}, {"d"})`)).toEqual([['d', 'a', 'b', 'c']]);
    expect(await value('graph.reachable_paths({"a": ["b", "c"], "b": [], "c": ["a"]}, ["a"])')).toEqual([['a', 'b'], ['a', 'c']]);
  });
  it('numbers.range_step', async () => {
    expect(await value('numbers.range_step(0, 10, 3)')).toEqual([0, 3, 6, 9]);
    expect(await value('numbers.range_step(10, 0, 5)')).toEqual([10, 5, 0]);
    await expect(value('numbers.range_step(0, 10, 0)', { strict: true })).rejects.toThrow(/step must be a positive number/);
  });
  it('deprecated casts and set_diff work in v0 modules and are errors in Rego v1 (OPA 1.0)', async () => {
    expect(await value('cast_set([1, 1, 2])', { v0: true })).toEqual([1, 2]);
    expect(await value('is_set(cast_set([1]))', { v0: true })).toBe(true);
    expect(await value('set_diff({1, 2, 3}, {2})', { v0: true })).toEqual([1, 3]);
    await expect(value('cast_array({1})')).rejects.toThrow(/deprecated built-in function calls in expression: cast_array/);
  });
});

describe('json, urlquery and string templates', () => {
  it('json.marshal_with_options indents like Go\'s MarshalIndent', async () => {
    expect(await value('json.marshal_with_options({"b": [1], "a": "<"}, {"pretty": true})')).toBe('{\n\t"a": "\\u003c",\n\t"b": [\n\t\t1\n\t]\n}');
    expect(await value('json.marshal_with_options({"a": 1}, {"indent": "  ", "prefix": "//"})')).toBe('{\n//  "a": 1\n//}');
    expect(await value('json.marshal_with_options({"a": 1}, {"pretty": false, "indent": "  "})')).toBe('{"a":1}');
  });
  it('json.verify_schema and json.match_schema', async () => {
    expect(await value('json.verify_schema({"type": "object"})')).toEqual([true, null]);
    expect(((await value('json.verify_schema({"type": "no-such-type"})')) as unknown[])[0]).toBe(false);
    expect(await value('json.match_schema({"a": 1}, {"type": "object", "required": ["a"]})')).toEqual([true, []]);
    const [ok, errors] = await value('json.match_schema({"a": "x"}, `{"properties": {"a": {"type": "integer"}}}`)') as [boolean, Array<Record<string, string>>];
    expect(ok).toBe(false);
    // gojsonschema's wording, which OPA returns.
    expect(errors).toEqual([{ field: 'a', type: 'invalid_type', desc: 'Invalid type. Expected: integer, given: string', error: 'a: Invalid type. Expected: integer, given: string' }]);
    expect(await value('json.match_schema({}, {"required": ["id"]})')).toEqual([false, [{ field: '(root)', type: 'required', desc: 'id is required', error: '(root): id is required' }]]);
    // An empty enum is a valid schema no document matches.
    expect(((await value('json.match_schema({"v": 1}, {"enum": []})')) as unknown[])[0]).toBe(false);
    expect(((await value('json.match_schema(1, {"properties": {"a": {"enum": []}}})')) as unknown[])[0]).toBe(true);
  });
  it('urlquery encodes like Go\'s url.QueryEscape and decodes objects', async () => {
    expect(await value('urlquery.encode("a b&c=d/é!")')).toBe('a+b%26c%3Dd%2F%C3%A9%21');
    expect(await value('urlquery.encode_object({"b": "x y", "a": ["1", "2"]})')).toBe('a=1&a=2&b=x+y');
    expect(await value('urlquery.decode_object("a=1&a=2&b=x%20y&c")')).toEqual({ a: ['1', '2'], b: ['x y'], c: [''] });
    await expect(value('urlquery.decode("%zz")', { strict: true })).rejects.toThrow(/invalid URL escape/);
  });
  it('strings.render_template renders fields, ranges and conditionals', async () => {
    expect(await value('strings.render_template("{{.name}} owns {{range $i, $s := .services}}{{if $i}}, {{end}}{{$s}}{{end}}", {"name": "team-a", "services": ["api", "web"]})'))
      .toBe('team-a owns api, web');
    expect(await value('strings.render_template("{{.missing}}", {})')).toBe('<undefined>');
    await expect(value('strings.render_template("{{len .x}}", {"x": []})', { strict: true })).rejects.toThrow(/unsupported action/);
  });
  it('opa.runtime exposes no environment: {} as OPA embedded without runtime information', async () => {
    expect(await value('opa.runtime()')).toEqual({});
    expect(await value('opa.runtime().env')).toBeUndefined();
  });
});

describe('graphql and rule metadata', () => {
  it('graphql.is_valid and graphql.schema_is_valid validate against the GraphQL specification', async () => {
    const schema = 'type Query { employee(id: ID!): Employee } type Employee { id: ID! salary: Int }';
    expect(await value(`graphql.schema_is_valid("${schema}")`)).toBe(true);
    expect(await value('graphql.schema_is_valid("type Query { a: Missing }")')).toBe(false);
    expect(await value(`graphql.is_valid("{ employee(id: \\"1\\") { salary } }", "${schema}")`)).toBe(true);
    expect(await value(`graphql.is_valid("{ employee(id: \\"1\\") { name } }", "${schema}")`)).toBe(false);
    expect(await value(`graphql.is_valid("{ employee { salary } }", "${schema}")`)).toBe(false);
  });

  it('graphql.is_valid accepts what gqlparser (OPA) accepts: extensions of undefined types, no query root, an empty query', async () => {
    const federated = 'extend type User { id: ID! } union Entity = User extend type Query { entity: Entity }';
    expect(await value(`graphql.is_valid("{ entity { ... on User { id } } }", "${federated}")`)).toBe(true);
    expect(await value(`graphql.is_valid("{ entity { ... on User { name } } }", "${federated}")`)).toBe(false);
    expect(await value('graphql.schema_is_valid("type T { f: String @deprecated } enum E { A @deprecated }")')).toBe(true);
    expect(await value('graphql.is_valid("  # nothing\\n", "type T { f: String }")')).toBe(true);
    expect(await value('graphql.is_valid("{ f }", "type T { f: String }")')).toBe(false);
  });
  it('rego.metadata.rule and rego.metadata.chain return the annotations of the calling rule', async () => {
    const source = `# METADATA
# title: Platform rules
package t
import rego.v1

# METADATA
# title: No privileged pods
# custom:
#   severity: high
deny contains msg if {
	meta := rego.metadata.rule()
	msg := sprintf("%s (%s)", [meta.title, meta.custom.severity])
}

chain := rego.metadata.chain()

plain := rego.metadata.rule()
`;
    const [row] = await evalQuery('x = data.t', [{ path: 't.rego', source }]);
    expect(row!.x).toEqual({
      deny: ['No privileged pods (high)'],
      chain: [{ path: ['data', 't', 'chain'] }, { path: ['data', 't'], annotations: { scope: 'package', title: 'Platform rules' } }],
      plain: {},
    });
  });
});

describe('io.jwt.decode of nested and encrypted tokens', () => {
  const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const inner = `${b64({ alg: 'HS256' })}.${b64({ sub: '0' })}.AQID`;

  it('gives the innermost token when the content type is JWT, its text either raw or a JSON string', async () => {
    for (const carried of [JSON.stringify(inner), inner]) {
      const outer = `${b64({ alg: 'HS256', cty: 'JWT' })}.${b64(carried)}.c2ln`;
      const twice = `${b64({ alg: 'HS256', cty: 'JWT' })}.${b64(outer)}.c2ln`;
      expect(await value(`io.jwt.decode("${twice}")`)).toEqual([{ alg: 'HS256' }, { sub: '0' }, '010203']);
    }
  });

  it('rejects a JWE header, as OPA does', async () => {
    const jwe = `${b64({ alg: 'HS256', enc: 'A128GCM' })}.${b64({ sub: '0' })}.AQID`;
    await expect(value(`io.jwt.decode("${jwe}")`, { strict: true })).rejects.toThrow(/JWT is a JWE object, which is not supported/);
  });
});

describe('bits.lsh past 2^53', () => {
  it('shifts exactly, as Rego integers have no width (OPA: bits.lsh of max int64 by 1)', async () => {
    expect(await value('bits.lsh(9223372036854775807, 1) == 18446744073709551614')).toBe(true);
    expect(await value('json.marshal(bits.lsh(1, 64))')).toBe('18446744073709551616');
    expect(await value('bits.lsh(-3, 70) == -3541774862152233910272')).toBe(true);
    expect(await value('bits.lsh(5, 2)')).toBe(20);
  });
});

describe('bits.and/or/xor/rsh/negate past 2^53', () => {
  // Expected values from math/big's semantics (an infinite two's complement for negative numbers: And, Or,
  // Xor, Not, and Rsh rounding towards negative infinity), which Python's int operators share.
  const cases: [string, string][] = [
    ['bits.and(9007199254740993, 9007199254740993)', '9007199254740993'],
    ['bits.xor(9007199254740993, 1)', '9007199254740992'],
    ['bits.or(18446744073709551616, 1)', '18446744073709551617'],
    ['bits.xor(-18446744073709551617, 12345678901234567890)', '-30792422974944119507'],
    ['bits.and(-18446744073709551617, 12345678901234567890)', '12345678901234567890'],
    ['bits.or(-18446744073709551617, 12345678901234567890)', '-18446744073709551617'],
    ['bits.and(-18446744073709551617, -12345678901234567890)', '-30792422974944119506'],
    ['bits.or(-18446744073709551617, -12345678901234567890)', '-1'],
    ['bits.xor(-18446744073709551617, -12345678901234567890)', '30792422974944119505'],
    ['bits.and(-1, 1208925819614629174706183)', '1208925819614629174706183'],
    ['bits.and(1208925819614629174706183, 7)', '7'],
    ['bits.rsh(-18446744073709551617, 3)', '-2305843009213693953'],
    ['bits.rsh(1208925819614629174706176, 79)', '2'],
    ['bits.rsh(-1208925819614629174706176, 200)', '-1'],
    ['bits.negate(18446744073709551616)', '-18446744073709551617'],
    ['bits.negate(-18446744073709551617)', '18446744073709551616'],
  ];
  it.each(cases)('%s is %s exactly', async (expr, want) => {
    expect(await value(`json.marshal(${expr})`)).toBe(want);
    expect(await value(`${expr} == ${want}`)).toBe(true);
  });
  it('shifts right by 64 or more to 0 or -1 (wasm counts i64 shifts modulo 64; big.Int does not)', async () => {
    expect(await value('[bits.rsh(8, 64), bits.rsh(-8, 64), bits.rsh(8, 3), bits.rsh(-9, 1)]')).toEqual([0, -1, 1, -5]);
  });
});

describe('numbers.range_step past 2^53 (OPA: big.Int bounds and step)', () => {
  it('lists exact members', async () => {
    expect(await value('json.marshal(numbers.range_step(9007199254740993, 9007199254740995, 1))')).toBe('[9007199254740993,9007199254740994,9007199254740995]');
    expect(await value('json.marshal(numbers.range_step(18446744073709551616, 18446744073709551610, 3))')).toBe('[18446744073709551616,18446744073709551613,18446744073709551610]');
    expect(await value('numbers.range_step(1.0, 2e0, 1)')).toEqual([1, 2]);
  });
  it('keeps OPA\'s operand and step errors', async () => {
    await expect(value('numbers.range_step(1.5, 3, 1)', { strict: true })).rejects.toThrow(/numbers.range_step: operand 1 must be integer number but got floating-point number/);
    await expect(value('numbers.range_step(1, 3, 0)', { strict: true })).rejects.toThrow(/numbers.range_step: step must be a positive number above zero/);
  });
});

describe('format_int as OPA: the number read as a 64-bit big.Float, truncated (expected values from Go math/big)', () => {
  it('is exact up to 64 significant bits and rounds as big.Float beyond', async () => {
    expect(await value('format_int(12345678901234567891, 16)')).toBe('ab54a98ceb1f0ad3');
    expect(await value('format_int(1180591620717411303425, 10)')).toBe('1180591620717411303424');
    expect(await value('format_int(-12345678901234567891.9, 10)')).toBe('-12345678901234567892');
    expect(await value('format_int(1e30, 16)')).toBe('c9f2c9cd04674edf000000000');
    expect(await value('[format_int(3.99, 10), format_int(-3.99, 16), format_int(255, 2)]')).toEqual(['3', '-3', '11111111']);
  });
  it('takes the base by its text, as OPA compares it (2.0 is not 2)', async () => {
    await expect(value('format_int(5, 2.0)', { strict: true })).rejects.toThrow(/format_int: operand 2 must be one of \{2, 8, 10, 16\}/);
    await expect(value('format_int("5", 2)', { strict: true })).rejects.toThrow(/format_int: operand 1 must be number but got string/);
  });
});

describe('time.format layout names', () => {
  it("formats with Go's named layouts, as OPA's time.format documents", async () => {
    // 2022-12-02T18:40:53Z is 00:10:53 on Saturday 3 December in Asia/Kolkata (+05:30).
    const at = (layout: string): string => `time.format([1670006453000000000, "Asia/Kolkata", "${layout}"])`;
    expect(await value(at('RFC1123Z'))).toBe('Sat, 03 Dec 2022 00:10:53 +0530');
    expect(await value(at('RubyDate'))).toBe('Sat Dec 03 00:10:53 +0530 2022');
    expect(await value(at('Kitchen'))).toBe('12:10AM');
    expect(await value(at('DateOnly'))).toBe('2022-12-03');
    // A layout that is no name is still a layout.
    expect(await value(at('2006/01/02'))).toBe('2022/12/03');
  });
});

describe('providers.aws.sign_req', () => {
  // AWS's published Signature V4 example (GET iam ListUsers, 20150830T123600Z, the documentation's example keys).
  const config = '{"aws_access_key": "AKIDEXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "aws_service": "iam", "aws_region": "us-east-1"}';
  const req = '{"method": "GET", "url": "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", "headers": {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}}';

  it("signs AWS's documented example to its documented signature", async () => {
    const out = await value(`providers.aws.sign_req(${req}, ${config}, 1440938160000000000)`) as { headers: Record<string, string> };
    expect(out.headers).toEqual({
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      host: 'iam.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      Authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request,SignedHeaders=content-type;host;x-amz-date,Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    });
  });

  it('adds the payload hash for s3 (UNSIGNED-PAYLOAD when disabled) and the session token', async () => {
    const s3 = config.replace('"iam"', '"s3"').replace('}', ', "aws_session_token": "TOKEN"}');
    const body = '{"method": "PUT", "url": "https://b.s3.amazonaws.com/k", "raw_body": "hello"}';
    const signed = await value(`providers.aws.sign_req(${body}, ${s3}, 1440938160000000000)`) as { headers: Record<string, string>; raw_body: string };
    expect(signed.raw_body).toBe('hello');
    expect(signed.headers['x-amz-content-sha256']).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(signed.headers['x-amz-security-token']).toBe('TOKEN');
    expect(signed.headers.Authorization).toMatch(/SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
    const unsigned = await value(`providers.aws.sign_req(${body}, ${s3.replace('}', ', "disable_payload_signing": true}')}, 1440938160000000000)`) as { headers: Record<string, string> };
    expect(unsigned.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
  });

  it('rejects a config without credentials', async () => {
    await expect(value(`providers.aws.sign_req(${req}, {"aws_service": "s3"}, 0)`, { strict: true })).rejects.toThrow(/providers.aws.sign_req: invalid aws_config: aws_access_key/);
  });
});

describe('builtins meshguard leaves out', () => {
  it('fail compilation with the reason', async () => {
    await expect(value('net.lookup_ip_addr("example.com")')).rejects.toThrow(/net.lookup_ip_addr is not supported by meshguard: policies evaluated by meshguard do no I\/O/);
    await expect(value('graphql.parse_query("{a}")')).rejects.toThrow(/graphql.parse_query is not supported by meshguard: returns gqlparser's AST/);
  });
});
