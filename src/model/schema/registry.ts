import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import AjvModule, { type ValidateFunction } from 'ajv';
import { PACKAGE_ROOT } from '../../assets.js';
import type { Inventory } from '../inventory.js';
import { memoize } from '../memo.js';
import type { Resource } from '../types.js';
import { loadValidatorGroup } from './code-cache.js';
import { crdVersions, isValidStructuralSchema, lazyAjvSchema, shallowAjvSchema, type CrdVersion } from './crd.js';
import { interpretedValidator, type RefValidator, type SchemaValidator } from './interpret.js';

// ajv is CommonJS: under NodeNext its class is the default export's `default`.
const Ajv = AjvModule.default;

/** The generated schema files (see scripts/generate-schemas.mjs and docs/schemas.md). */
export const KUBERNETES_SCHEMA_FILE = 'schemas/kubernetes/v1.36.json';
export const ISTIO_SCHEMA_FILE = 'schemas/istio/v1.29.json';

/** Must equal AJV_OPTIONS in scripts/schema-bundles.mjs, which precompiles with them (a test checks). */
export const AJV_OPTIONS = { strict: false, allErrors: true, verbose: true, validateFormats: false } as const;

/**
 * Written by scripts/compile-validators.mjs during `npm run build`: the index; the validators themselves
 * are in dist/schemas/validators/<group>.cjs, loaded when a kind of that group is first validated.
 */
export const PRECOMPILED_FILE = 'dist/schemas/validators.cjs';
const PRECOMPILED_DIR = 'dist/schemas/validators';

interface PrecompiledIndex {
  meta: {
    hash: string;
    /** Registry key (`k8s:<gvk>`, `istio:<schema>`) -> export name. */
    index: Record<string, string>;
    /** Export name -> the group file that holds it. */
    files: Record<string, string>;
  };
}

interface SchemaBundle {
  $id: string;
  source: string;
  kinds: Record<string, { namespaced: boolean; model?: string; schema?: string }>;
  $defs: Record<string, Record<string, unknown>>;
}

export type SchemaSource = 'kubernetes' | 'istio' | 'crd';

export interface ResolvedSchema {
  source: SchemaSource;
  validate: SchemaValidator;
  /** The CRD version that declared the schema, for custom resources. */
  crd?: CrdVersion;
}

/**
 * Where a resource's schema comes from, in order: a CRD among the checked files (it describes what the
 * target cluster actually runs, Istio's own CRDs included), the built-in Kubernetes kinds, the Istio kinds.
 * Built-in and Istio validators come precompiled from the build (dist/schemas/validators.cjs), or are
 * compiled on first use when that module is missing or stale; CRD schemas are interpreted (interpret.ts), so a run
 * only pays for the kinds it contains.
 */
export class SchemaRegistry {
  private ajvInstance?: InstanceType<typeof Ajv>;
  private kubernetes?: SchemaBundle;
  private istio?: SchemaBundle;
  private kindsByApiVersion?: Map<string, string[]>;
  private hash?: string;
  private precompiledIndex?: PrecompiledIndex | null;
  private readonly groups = new Map<string, Record<string, unknown> | null>();
  private readonly compiled = new Map<string, ValidateFunction | null>();
  private readonly crdCompiled = new WeakMap<CrdVersion, SchemaValidator | null>();
  private readonly refs = new Map<string, RefValidator | undefined>();
  /** apiVersion -> kind -> schema. */
  private readonly builtins = new Map<string, Map<string, ResolvedSchema | undefined>>();

  /**
   * @param usePrecompiled false compiles everything at run time (tests compare both paths).
   * @param interpretCrds false compiles CRD schemas with ajv instead of interpreting them (tests compare both).
   */
  constructor(
    private readonly usePrecompiled = true,
    private readonly interpretCrds = true,
  ) {}

  /** The schema for `group/version/kind`, or undefined when meshguard knows none. */
  resolve(resource: Pick<Resource, 'apiVersion' | 'kind'>, inventory?: Inventory): ResolvedSchema | undefined {
    const { apiVersion, kind } = resource;
    const crds = inventory ? this.crdsOf(inventory) : undefined;
    const crd = crds && crds.size > 0 ? crds.get(gvkKey(apiVersion, kind)) : undefined;
    if (crd) {
      const validate = this.compileCrd(crd);
      return validate ? { source: 'crd', validate, crd } : undefined;
    }
    // Built-in and Istio kinds resolve the same way all run long (and across the webhook's reviews): once per kind,
    // looked up without building a `group/version/kind` string per resource.
    let kinds = this.builtins.get(apiVersion);
    if (!kinds) this.builtins.set(apiVersion, (kinds = new Map()));
    let builtin = kinds.get(kind);
    if (builtin === undefined && !kinds.has(kind)) kinds.set(kind, (builtin = this.resolveBuiltin(gvkKey(apiVersion, kind))));
    return builtin;
  }

  private resolveBuiltin(key: string): ResolvedSchema | undefined {
    const k8s = this.bundles().kubernetes.kinds[key];
    if (k8s?.model) {
      const validate = this.compile(`k8s:${key}`, () => ({ $ref: `k8s#/$defs/${k8s.model}` }));
      return validate ? { source: 'kubernetes', validate } : undefined;
    }
    const istio = this.bundles().istio.kinds[key];
    if (istio?.schema) {
      const schema = this.bundles().istio.$defs[istio.schema];
      const validate = schema ? this.compile(`istio:${istio.schema}`, () => schema) : undefined;
      return validate ? { source: 'istio', validate } : undefined;
    }
    return undefined;
  }

  /** The CRD version among the checked files that declares the kind (with or without a schema). */
  hasCrd(resource: Pick<Resource, 'apiVersion' | 'kind'>, inventory: Inventory): CrdVersion | undefined {
    const crds = this.crdsOf(inventory);
    return crds.size > 0 ? crds.get(gvkKey(resource.apiVersion, resource.kind)) : undefined;
  }

  /** Kinds meshguard ships schemas for under one `group/version` (built-in or Istio); empty when none. */
  kindsOf(apiVersion: string): readonly string[] {
    if (!this.kindsByApiVersion) {
      this.kindsByApiVersion = new Map();
      const { kubernetes, istio } = this.bundles();
      for (const key of [...Object.keys(kubernetes.kinds), ...Object.keys(istio.kinds)]) {
        const slash = key.lastIndexOf('/');
        const list = this.kindsByApiVersion.get(key.slice(0, slash)) ?? [];
        list.push(key.slice(slash + 1));
        this.kindsByApiVersion.set(key.slice(0, slash), list);
      }
    }
    return this.kindsByApiVersion.get(apiVersion) ?? [];
  }

  /** The packages and releases the shipped schemas were generated from (e.g. for `--version` output). */
  sources(): { kubernetes: string; istio: string } {
    const { kubernetes, istio } = this.bundles();
    return { kubernetes: kubernetes.source, istio: istio.source };
  }

  private crdsOf(inventory: Inventory): Map<string, CrdVersion> {
    // Shared with admission overlays that do not add a CRD, so compiled CRD validators are reused too.
    return memoize(inventory, this, 'schema/crds', (tree) => crdVersions(tree));
  }

  private compileCrd(crd: CrdVersion): SchemaValidator | undefined {
    if (!crd.raw) return undefined;
    if (!this.crdCompiled.has(crd)) {
      if (this.interpretCrds) {
        // A schema ajv would refuse to compile leaves its CRD unchecked on both paths. Only the nodes custom
        // resources reach are ever converted.
        const { raw } = crd;
        this.crdCompiled.set(crd, isValidStructuralSchema(raw) ? interpretedValidator(shallowAjvSchema(raw, true), (ref) => this.refValidator(ref), lazyAjvSchema) : null);
      } else if (crd.schema) {
        this.crdCompiled.set(crd, tryCompile(this.ajv(), crd.schema));
        // The run's CRD schemas are new objects every run: keep ajv's cache from holding on to them.
        this.ajv().removeSchema(crd.schema);
      }
    }
    return this.crdCompiled.get(crd) ?? undefined;
  }

  /** The shared schemas CRD schemas point at (ObjectMeta), compiled once per process. */
  private refValidator(ref: string): RefValidator | undefined {
    if (!this.refs.has(ref)) {
      // The referenced definition itself, compiled from the bundle added unchecked: compiling `{ $ref }` would
      // first compile the meta-schema to check it (~45 ms).
      // Precompiled by the build when it is current: compiling ObjectMeta at run time cost ~45 ms, ajv's loading included.
      let validate = this.precompiledValidator(`ref:${ref}`, this.bundles().hash) as RefValidator | undefined;
      if (!validate) {
        try {
          validate = this.ajv().getSchema(ref) as RefValidator | undefined;
        } catch {
          validate = undefined;
        }
      }
      this.refs.set(ref, validate);
    }
    return this.refs.get(ref);
  }

  private compile(key: string, schema: () => Record<string, unknown>): ValidateFunction | undefined {
    if (!this.compiled.has(key)) {
      const bundles = this.bundles();
      const validate = this.precompiledValidator(key, bundles.hash);
      this.compiled.set(key, validate ?? tryCompile(this.ajv(), schema()));
    }
    return this.compiled.get(key) ?? undefined;
  }

  /**
   * The build's precompiled validator for a key, when the build made one from the same schemas, ajv and
   * options; otherwise the kind is compiled at run time (same results, slower start).
   */
  private precompiledValidator(key: string, hash: string): ValidateFunction | undefined {
    if (this.precompiledIndex === undefined) {
      this.precompiledIndex = null;
      const file = path.join(PACKAGE_ROOT, PRECOMPILED_FILE);
      if (this.usePrecompiled && existsSync(file)) {
        // ajv's standalone output is CommonJS; require keeps rule checks synchronous.
        const loaded = createRequire(import.meta.url)(file) as Partial<PrecompiledIndex>;
        if (loaded.meta?.hash === hash && loaded.meta.files) this.precompiledIndex = loaded as PrecompiledIndex;
      }
    }
    const meta = this.precompiledIndex?.meta;
    const name = meta?.index[key];
    const group = name ? meta?.files[name] : undefined;
    if (!name || !group) return undefined;
    if (!this.groups.has(group)) {
      const file = path.join(PACKAGE_ROOT, PRECOMPILED_DIR, `${group}.cjs`);
      this.groups.set(group, existsSync(file) ? loadValidatorGroup(file) : null);
    }
    return (this.groups.get(group)?.[name] as ValidateFunction | undefined) ?? undefined;
  }

  private ajv(): InstanceType<typeof Ajv> {
    // allErrors: report every unknown field at once, not one per run; verbose: errors carry their schema,
    // which the messages need (the fields a typo could have meant).
    if (!this.ajvInstance) {
      // Created only when something is compiled at run time (CRDs, or no precompiled module): ~50 ms.
      this.ajvInstance = new Ajv({ ...AJV_OPTIONS });
      // Istio and CRD schemas refer to Kubernetes' ObjectMeta as `k8s#/$defs/V1ObjectMeta`.
      // Not checked against the meta-schema: the bundle is the build's own output, and compiling the
      // meta-schema was ~40 ms of every run that meets a CRD.
      this.ajvInstance.addSchema({ $id: 'k8s', $defs: this.bundles().kubernetes.$defs }, undefined, undefined, false);
    }
    return this.ajvInstance;
  }

  private bundles(): { kubernetes: SchemaBundle; istio: SchemaBundle; hash: string } {
    if (!this.kubernetes || !this.istio || !this.hash) {
      const texts = [KUBERNETES_SCHEMA_FILE, ISTIO_SCHEMA_FILE].map((file) => readFileSync(path.join(PACKAGE_ROOT, file)));
      this.kubernetes = JSON.parse(texts[0]!.toString('utf8')) as SchemaBundle;
      this.istio = JSON.parse(texts[1]!.toString('utf8')) as SchemaBundle;
      this.hash = bundleHash(texts);
    }
    return { kubernetes: this.kubernetes, istio: this.istio, hash: this.hash };
  }
}

/** Same recipe as scripts/schema-bundles.mjs: schema files, ajv version, options. */
function bundleHash(texts: readonly Buffer[]): string {
  const hash = createHash('sha256');
  for (const text of texts) hash.update(text);
  hash.update((createRequire(import.meta.url)('ajv/package.json') as { version: string }).version);
  hash.update(JSON.stringify(AJV_OPTIONS));
  return hash.digest('hex').slice(0, 16);
}

/** A CRD's schema may still be one ajv refuses (a malformed `required`): that CRD then just goes unchecked. */
function tryCompile(ajv: InstanceType<typeof Ajv>, schema: Record<string, unknown>): ValidateFunction | null {
  try {
    return ajv.compile(schema);
  } catch {
    return null;
  }
}

export function gvkKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/** One registry per process: compiled validators are pure functions of the shipped schemas. */
export const schemaRegistry = new SchemaRegistry();
