import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import { parseYaml } from '../load/yaml.js';
import type { JsonPath, SourceRange } from '../model/types.js';
import { fromJsonPointer } from '../model/refs.js';
import { DEFAULT_CONFIG, type MeshguardConfig, type RuleSetting } from './types.js';
import { standaloneValidator } from '../model/schema/standalone.js';

export const CONFIG_FILE_NAME = '.meshguard.yaml';

/** A configuration the run cannot go on with; the CLI turns it into exit code 2. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly range?: SourceRange,
  ) {
    super(range ? `${file}:${range.line}:${range.column}: ${message}` : `${file}: ${message}`);
  }
}

// Loaded when a configuration file is actually read (precompiled by the build: standalone.ts).
const configValidator = () => standaloneValidator('config');

/**
 * Load `.meshguard.yaml` (or an explicit path). No file means defaults; a file that is there but
 * wrong is an error with the position of the offending key.
 */
export async function loadConfig(root: string, explicitPath?: string): Promise<{ config: MeshguardConfig; file?: string }> {
  const file = explicitPath ? path.resolve(root, explicitPath) : path.join(root, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (!explicitPath && (error as NodeJS.ErrnoException).code === 'ENOENT') return { config: DEFAULT_CONFIG };
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? String(error));
    throw new ConfigError(`cannot read the configuration: ${reason}`, displayName(root, file));
  }
  return { config: parseConfig(text, displayName(root, file)), file };
}

export function parseConfig(text: string, displayPath: string): MeshguardConfig {
  const { documents, problems } = parseYaml(text.replace(/^\uFEFF/, ''));
  const firstError = problems.find((p) => p.severity === 'error');
  if (firstError) throw new ConfigError(`invalid YAML: ${firstError.message}`, displayPath, firstError.range);
  const doc = documents[0];
  if (!doc || doc.value === null || doc.value === undefined) return DEFAULT_CONFIG;
  const validateConfig = configValidator();
  if (!validateConfig(doc.value)) {
    const error = mostRelevant(validateConfig.errors ?? []);
    const errorPath = fromJsonPointer(error.instancePath);
    const location = doc.locate(error.keyword === 'additionalProperties' ? [...errorPath, String(error.params.additionalProperty)] : errorPath);
    throw new ConfigError(describeError(error), displayPath, location);
  }
  const config = mergeWithDefaults(doc.value as Partial<MeshguardConfig> & { rules?: Record<string, RuleSetting | string> });
  sources.set(config, { file: displayPath, locate: (at) => doc.locate(at) });
  checkClusters(config, (path) => new ConfigError(path.message, displayPath, doc.locate(path.at)));
  return config;
}

/**
 * Where a configuration came from, for errors found after loading (an unknown rule id, rule options
 * that do not match the rule's schema: only the rules known at run time can tell).
 */
const sources = new WeakMap<MeshguardConfig, { file: string; locate: (path: JsonPath) => SourceRange }>();

/** An error about the key at `at` of a loaded configuration, with its file, line and column when known. */
export function configErrorAt(config: MeshguardConfig, at: JsonPath, message: string, fallbackFile: string): ConfigError {
  const source = sources.get(config);
  return source ? new ConfigError(message, source.file, source.locate(at)) : new ConfigError(message, fallbackFile);
}

/** What the schema cannot say: cluster names are unique, and the control plane is one of them. */
function checkClusters(config: MeshguardConfig, fail: (problem: { message: string; at: JsonPath }) => ConfigError): void {
  const seen = new Set<string>();
  config.clusters.forEach((cluster, i) => {
    if (seen.has(cluster.name)) throw fail({ message: `cluster '${cluster.name}' is listed twice`, at: ['clusters', i, 'name'] });
    seen.add(cluster.name);
  });
  if (config.controlPlane !== undefined && !seen.has(config.controlPlane)) {
    throw fail({ message: `controlPlane '${config.controlPlane}' is not one of the clusters (${[...seen].join(', ') || 'none listed'})`, at: ['controlPlane'] });
  }
}

function mergeWithDefaults(user: Partial<MeshguardConfig> & { rules?: Record<string, RuleSetting | string> }): MeshguardConfig {
  const rules: Record<string, RuleSetting> = {};
  for (const [id, setting] of Object.entries(user.rules ?? {})) {
    rules[id] = typeof setting === 'string' ? { severity: setting as RuleSetting['severity'] } : setting;
  }
  const mesh: Partial<MeshguardConfig['mesh']> = user.mesh ?? {};
  return {
    ...DEFAULT_CONFIG,
    ...user,
    include: user.include ?? DEFAULT_CONFIG.include,
    exclude: [...DEFAULT_CONFIG.exclude, ...(user.exclude ?? [])],
    rules,
    render: {
      ...DEFAULT_CONFIG.render,
      ...user.render,
      kustomize: { ...DEFAULT_CONFIG.render.kustomize, ...user.render?.kustomize },
      helm: { ...DEFAULT_CONFIG.render.helm, ...user.render?.helm },
    },
    mesh: {
      ...DEFAULT_CONFIG.mesh,
      ...mesh,
      proxyResources: {
        requests: { ...DEFAULT_CONFIG.mesh.proxyResources.requests, ...mesh.proxyResources?.requests },
        limits: { ...DEFAULT_CONFIG.mesh.proxyResources.limits, ...mesh.proxyResources?.limits },
      },
    },
  };
}

/** ajv reports one error per failed branch of a oneOf; the deepest one says most. */
function mostRelevant(errors: ErrorObject[]): ErrorObject {
  return [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]!;
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath ? `'${fromJsonPointer(error.instancePath).join('.')}'` : 'the configuration';
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown key '${String(error.params.additionalProperty)}' in ${where}`;
    case 'enum':
      return `${where} must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `${where} must be ${String(error.params.type)}`;
    case 'pattern':
      return `${where} has an invalid format (expected ${String(error.params.pattern)})`;
    case 'propertyNames':
      return `${where} has an invalid key: ${String(error.params.propertyName)}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

function displayName(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/') || file;
}
