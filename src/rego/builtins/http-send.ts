// http.send's own checks of its request object, which OPA makes before any I/O (topdown/http.go):
// the operand is an object, `raise_error` (when present) is a boolean, every key is one OPA knows,
// and `method` and `url` are there. meshguard never sends the request, but a request that fails these
// checks fails in OPA with OPA's error whether or not the network is reachable, so it can fail the
// same way here: the planner compiles a call whose constant request fails them (builtin-table.ts,
// requestCheckInfo), and the host runs them before refusing the I/O itself (host-builtins.ts).
import type { Term } from '../ast.js';
import type { Json } from './args.js';

const ALLOWED = new Set([
  'method', 'url', 'body', 'enable_redirect', 'force_json_decode', 'force_yaml_decode', 'headers', 'raw_body',
  'tls_use_system_certs', 'tls_ca_cert', 'tls_ca_cert_file', 'tls_ca_cert_env_variable', 'tls_client_cert',
  'tls_client_cert_file', 'tls_client_cert_env_variable', 'tls_client_key', 'tls_client_key_file',
  'tls_client_key_env_variable', 'tls_insecure_skip_verify', 'tls_server_name', 'timeout', 'cache', 'force_cache',
  'force_cache_duration_seconds', 'raise_error', 'caching_mode', 'max_retry_attempts', 'cache_ignored_headers',
]);
const REQUIRED = ['method', 'url'];

export interface RequestFailure { code: 'eval_type_error' | 'eval_builtin_error'; message: string }

/** A request key as an OPA set prints it (`{"url"}`); keys reach the host as JSON, so strings. */
const setText = (keys: string[]): string => `{${[...keys].sort().map((k) => JSON.stringify(k)).join(', ')}}`;

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? 'number' : 'string';
}

/**
 * The error OPA's http.send raises for this request before doing any I/O, if any. A request with
 * `raise_error: false` makes OPA return the error inside a response object instead (carrying the call's
 * source location): that form is not reproduced, so it reports no failure here.
 */
export function httpSendRequestFailure(req: Json): RequestFailure | undefined {
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    return { code: 'eval_type_error', message: `http.send: operand 1 must be object but got ${typeOf(req)}` };
  }
  const obj = req as Record<string, Json>;
  if (Object.hasOwn(obj, 'raise_error') && typeof obj.raise_error !== 'boolean') {
    return { code: 'eval_builtin_error', message: 'http.send: invalid value for raise_error field' };
  }
  if (obj.raise_error === false) return undefined;
  const keys = Object.keys(obj);
  const invalid = keys.filter((k) => !ALLOWED.has(k));
  if (invalid.length > 0) return { code: 'eval_type_error', message: `http.send: operand 1 invalid request parameters(s): ${setText(invalid)}` };
  const missing = REQUIRED.filter((k) => !keys.includes(k));
  if (missing.length > 0) return { code: 'eval_type_error', message: `http.send: operand 1 missing required request parameters(s): ${setText(missing)}` };
  return undefined;
}

/**
 * The JSON value of a constant term (no vars, refs, calls or comprehensions), or undefined. Objects
 * with non-string keys and sets are left out: the host sees them only as JSON, where they change shape.
 */
export function constantJson(t: Term): Json | undefined {
  switch (t.type) {
    case 'null': return null;
    case 'boolean': return t.value;
    case 'string': return t.value;
    case 'number': return Number(t.text);
    case 'array': {
      const items = t.items.map(constantJson);
      return items.every((x) => x !== undefined) ? items : undefined;
    }
    case 'object': {
      const out: Record<string, Json> = {};
      for (const [k, v] of t.entries) {
        const value = constantJson(v);
        if (k.type !== 'string' || value === undefined) return undefined;
        out[k.value] = value;
      }
      return out;
    }
    default: return undefined;
  }
}
