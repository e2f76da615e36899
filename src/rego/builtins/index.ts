// Host builtins grouped by namespace, one file each; host-builtins.ts merges them into HOST_BUILTINS.
import type { HostBuiltin } from './args.js';
import { AWS_BUILTINS } from './aws.js';
import { CONFTEST_BUILTINS } from './conftest.js';
import { CRYPTO_BUILTINS } from './crypto.js';
import { CSR_BUILTINS } from './csr.js';
import { GRAPH_BUILTINS } from './graph.js';
import { GRAPHQL_BUILTINS } from './graphql.js';
import { JWT_BUILTINS } from './jwt.js';
import { MISC_BUILTINS } from './misc.js';
import { NET_BUILTINS } from './net.js';
import { REGEX_BUILTINS } from './regex.js';
import { TEMPLATE_BUILTINS } from './template.js';

export const NAMESPACED_BUILTINS: Record<string, HostBuiltin> = {
  ...REGEX_BUILTINS, ...CRYPTO_BUILTINS, ...CSR_BUILTINS, ...JWT_BUILTINS, ...NET_BUILTINS, ...GRAPH_BUILTINS, ...TEMPLATE_BUILTINS, ...MISC_BUILTINS, ...GRAPHQL_BUILTINS, ...AWS_BUILTINS, ...CONFTEST_BUILTINS,
};

/**
 * OPA builtins meshguard does not provide, with the reason; calling one is a compile error that says why.
 * docs/policies.md lists them.
 */
export const UNSUPPORTED_BUILTINS: Record<string, string> = {
  'http.send': 'policies evaluated by meshguard do no I/O (a lint must not depend on the network; the webhook must answer within its timeout)',
  'net.lookup_ip_addr': 'policies evaluated by meshguard do no I/O (no DNS look-ups)',
  'rego.parse_module': "returns OPA's own AST as JSON, which meshguard's parser does not produce",
  'crypto.x509.parse_keypair': "returns Go's tls.Certificate structure, which has no node:crypto counterpart",
  'graphql.parse': "returns gqlparser's AST (OPA's Go GraphQL library); graphql-js builds a different structure",
  'graphql.parse_and_verify': "returns gqlparser's AST (OPA's Go GraphQL library); graphql-js builds a different structure",
  'graphql.parse_query': "returns gqlparser's AST (OPA's Go GraphQL library); graphql-js builds a different structure",
  'graphql.parse_schema': "returns gqlparser's AST (OPA's Go GraphQL library); graphql-js builds a different structure",
  'uri.parse': 'unsupported: OPA documents no exact behaviour (which URI forms are valid, which fields parse returns) to match',
  'uri.is_valid': 'unsupported: OPA documents no exact behaviour (which URI forms are valid, which fields parse returns) to match',
};

/**
 * Builtins meshguard does not provide (they do I/O) but that a policy test may replace with a `with` mock,
 * as OPA's own tests of `with http.send as ...` do. They compile only in a program that mocks them
 * somewhere; a call that reaches the host unmocked fails the evaluation (hostBuiltins()).
 */
export const MOCK_ONLY_BUILTINS: Record<string, number> = { 'http.send': 1, 'net.lookup_ip_addr': 1 };
