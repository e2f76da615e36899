// conftest's own builtins (github.com/open-policy-agent/conftest, builtins/parse_config.go), so that
// conftest policy suites run under `meshguard policy test`: parse_config(parser, text),
// parse_config_file(path) and parse_combined_config_files(paths). Only the YAML and JSON parsers are
// provided: meshguard's inputs are Kubernetes/Istio manifests and CI files; conftest's other formats
// (HCL, TOML, Dockerfile, ...) are a clear "not supported" error instead of a guess.
//
// The two file builtins resolve paths against the directory of the Rego file that calls them, as
// conftest does. The planner passes that file as a hidden first argument (FILE_LOCATED_BUILTINS), and
// the host only reads files when it was given a root to confine them to (only `policy test` gives one).
import { closeSync, fstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { RegoError } from '../errors.js';
import { FormatError, yamlUnmarshal } from '../host-format.js';
import { builtinError, str, typeName, type HostBuiltin, type Json } from './args.js';
import { HOST_RESULT_LIMIT } from './budget.js';

/** Builtins the planner calls with the calling module's file name as an extra first argument. */
export const FILE_LOCATED_BUILTINS = new Set(['parse_config_file', 'parse_combined_config_files']);

/**
 * Where file-reading builtins may read (nothing is given under check, the webhook and policy eval): below
 * `root`, the working directory that relative module paths are resolved against, or below one of
 * `policyRoots` (the files and directories `policy test` was given, which may lie elsewhere).
 */
export interface FileAccess { root: string; policyRoots?: string[] }

/** conftest's parser names (parser/parser.go); the ones meshguard leaves out get a clear error. */
const CONFTEST_PARSERS = new Set([
  'cue', 'cyclonedx', 'dockerfile', 'edn', 'groovy', 'hcl1', 'hcl2', 'hocon', 'ignore', 'ini', 'json', 'jsonc', 'jsonnet',
  'nginx', 'properties', 'spdx', 'textproto', 'toml', 'vcl', 'xml', 'yaml', 'dotenv',
]);
const SUPPORTED = ['yaml', 'json'];

type Parser = (text: string) => Json;

/**
 * conftest's YAML parser: the text is cut at every "\n---\n" (or "\r\n---\r\n" when the text holds a
 * CRLF) and, when that gives several pieces, the result is the array of their documents (an empty piece
 * is null); one piece is one document. A leading "%" directive stays with the first document.
 */
function parseYamlConftest(text: string): Json {
  const br = text.includes('\r\n') ? '\r\n' : '\n';
  let parts = text.split(`${br}---${br}`);
  if (text.startsWith('%')) {
    if (parts.length <= 2) parts = [text];
    else parts = [parts[0]! + `${br}---${br}` + parts[1]!, ...parts.slice(2)];
  }
  try {
    if (parts.length <= 1) return yamlUnmarshal(text);
    return parts.map((p) => yamlUnmarshal(p));
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(`unmarshal yaml: ${e.message}`);
    throw e;
  }
}

function parseJsonConftest(text: string): Json {
  // conftest strips a UTF-8 byte order mark before Go's json.Unmarshal.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body) as Json;
  } catch (e) {
    throw new FormatError(`unmarshal json: ${(e as Error).message}`);
  }
}

/** conftest's parser.New: a parser by name. */
function parserNamed(name: string): Parser | string {
  if (name === 'yaml') return parseYamlConftest;
  if (name === 'json') return parseJsonConftest;
  if (CONFTEST_PARSERS.has(name)) return `parser ${name} is not supported by meshguard (supported: ${SUPPORTED.join(', ')})`;
  return `unknown parser: ${name}`;
}

/** conftest's parser.NewFromPath, for the formats meshguard supports (by extension, lower-cased). */
function parserForPath(file: string): Parser | string {
  const ext = path.extname(file).slice(1).toLowerCase();
  if (ext === 'yml' || ext === 'yaml') return parseYamlConftest;
  if (ext === 'json') return parseJsonConftest;
  const base = path.basename(file).toLowerCase();
  // The names conftest maps to its other parsers (Dockerfile, HCL, .env, nginx, Jenkinsfile, ...).
  const known = ['dockerfile', 'hcl', 'tf', 'tfvars', 'gitignore', 'dockerignore', 'env', 'textproto', 'textpb', 'pbtxt'];
  if (known.includes(ext) || base === 'dockerfile' || base.startsWith('dockerfile.') || base === '.env' || base.startsWith('.env.') || base === 'nginx.conf' || base === 'jenkinsfile' || base.startsWith('jenkinsfile.') || CONFTEST_PARSERS.has(ext)) {
    return `new: the format of ${file} is not supported by meshguard (supported: ${SUPPORTED.join(', ')})`;
  }
  return `new: unknown parser: ${ext}`;
}

function parseWith(name: string, parser: Parser, text: string, what: string): Json {
  try {
    return parser(text);
  } catch (e) {
    if (e instanceof FormatError) return builtinError(name, `${what}: ${e.message}`);
    throw e;
  }
}

/**
 * Reads `joined` (a path as conftest forms it: the calling file's directory joined with the argument)
 * below `access.root`. A path that leaves the root, lexically or through a symbolic link, is an error
 * in every mode: a policy must not read what the user did not hand to meshguard.
 */
function readConfined(name: string, access: FileAccess | undefined, joined: string): string {
  if (!access) {
    throw new RegoError('eval_builtin_error', `${name}: reads files, which meshguard allows only in \`meshguard policy test\` (policies run by check and the webhook see their input only)`);
  }
  const root = path.resolve(access.root);
  const roots = [root, ...(access.policyRoots ?? []).map((r) => path.resolve(root, r))];
  const outside = (): never => {
    throw new RegoError('eval_builtin_error', `${name}: ${joined} is outside the working directory and the policy paths: policies may read files below them only`);
  };
  const below = (dir: string, file: string): boolean => {
    const rel = path.relative(dir, file);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  const target = path.resolve(root, joined);
  if (!roots.some((r) => below(r, target))) outside();
  let real: string;
  try {
    real = realpathSync(target);
  } catch (e) {
    return builtinError(name, `read config file ${joined}: ${describeIoError(e, joined)}`);
  }
  const realRoots = roots.flatMap((r) => { try { return [realpathSync(r)]; } catch { return []; } });
  if (!realRoots.some((r) => below(r, real))) outside();
  let fd: number;
  try {
    fd = openSync(real, 'r');
  } catch (e) {
    return builtinError(name, `read config file ${joined}: ${describeIoError(e, joined)}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return builtinError(name, `read config file ${joined}: not a regular file`);
    if (st.size > HOST_RESULT_LIMIT) return builtinError(name, `read config file ${joined}: ${st.size} bytes, above the ${HOST_RESULT_LIMIT}-byte limit of a host builtin`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function describeIoError(e: unknown, file: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `open ${file}: no such file or directory`;
  if (code === 'EACCES') return `open ${file}: permission denied`;
  if (code === 'EISDIR') return `read ${file}: is a directory`;
  return `open ${file}: ${(e as Error).message}`;
}

/** conftest: filepath.Join(filepath.Dir(<calling file>), p) — an absolute p is joined too, as Go's Join does. */
function joinToCaller(callerFile: Json, p: string): string {
  const dir = typeof callerFile === 'string' ? path.posix.dirname(callerFile.split(path.sep).join('/')) : '.';
  return path.posix.join(dir, p);
}

function parseConfigFile(access: FileAccess | undefined, callerFile: Json, p: Json): Json {
  const name = 'parse_config_file';
  const file = joinToCaller(callerFile, str(name, p, 1));
  const parser = parserForPath(file);
  if (typeof parser === 'string') return builtinError(name, `create config parser: ${parser}`);
  return parseWith(name, parser, readConfined(name, access, file), 'unmarshal config');
}

function parseCombinedConfigFiles(access: FileAccess | undefined, callerFile: Json, ps: Json): Json {
  const name = 'parse_combined_config_files';
  if (!Array.isArray(ps)) return builtinError(name, `decode args: decodeSliceArg used with non-slice value: ${typeName(ps)}`);
  const files = ps.map((p, i) => (typeof p === 'string' ? joinToCaller(callerFile, p) : builtinError(name, `decode args: slice index ${i} is not expected type string, got ${typeName(p)}`)));
  // conftest keys the parsed files by path (a file named twice counts once), then lists one entry per
  // document (a YAML stream or a top-level JSON array gives several), sorted by path.
  const parsed = new Map<string, Json>();
  for (const file of files) {
    const parser = parserForPath(file);
    if (typeof parser === 'string') return builtinError(name, `parse combine configurations: new parser: ${parser}, path: ${file}`);
    const text = readConfined(name, access, file);
    parsed.set(file, parseWith(name, parser, text, `parse combine configurations: parser unmarshal, path: ${file}`));
  }
  const entries: { path: string; contents: Json }[] = [];
  for (const [file, config] of parsed) {
    if (Array.isArray(config)) for (const c of config) entries.push({ path: file, contents: c });
    else entries.push({ path: file, contents: config });
  }
  // Go's empty slice marshals to null.
  if (entries.length === 0) return null;
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function parseConfig(parserName: Json, text: Json): Json {
  const name = 'parse_config';
  const parser = parserNamed(str(name, parserName, 1));
  if (typeof parser === 'string') return builtinError(name, `create config parser: ${parser}`);
  return parseWith(name, parser, str(name, text, 2), 'unmarshal config');
}

/** Arities as Rego sees them (the planner adds the caller's file to FILE_LOCATED_BUILTINS calls). */
export const CONFTEST_BUILTINS: Record<string, HostBuiltin> = {
  parse_config: { arity: 2, fn: parseConfig },
  parse_config_file: { arity: 1, fn: (f, p) => parseConfigFile(undefined, f, p) },
  parse_combined_config_files: { arity: 1, fn: (f, ps) => parseCombinedConfigFiles(undefined, f, ps) },
};

/** The file builtins bound to where they may read. */
export function fileBuiltins(access: FileAccess | undefined): Record<string, HostBuiltin['fn']> {
  return {
    parse_config_file: (f, p) => parseConfigFile(access, f, p),
    parse_combined_config_files: (f, ps) => parseCombinedConfigFiles(access, f, ps),
  };
}
