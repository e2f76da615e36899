import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import type { MeshSettings } from '../config/types.js';
import { noteKindsRead, type Inventory } from '../model/inventory.js';
import type { JsonPath, ReportDescriptor, Resource, ResourceRef, Severity, Suppression } from '../model/types.js';
import { isStackOverflow } from '../rego/index.js';
import type { Rule, RuleContext } from '../rules/rule.js';
import type { PolicyEntrypoint, RuleGroupSpec } from './conventions.js';
import { inputBytes, jsonBytes, policyDataBytes } from './inventory-data.js';
import { isRecord } from './metadata.js';

/**
 * One instantiated wasm module shared by every rule compiled into it. `data` is set when the run's
 * inventory changes (once per run, once per snapshot in the webhook), never per resource.
 */
export class PolicyRuntime {
  private dataFor?: Inventory;
  private dataMesh?: MeshSettings;

  /** Kinds of data.inventory the module's rules read; undefined = every kind. */
  private readonly inventoryKinds?: ReadonlySet<string>;

  private loaded?: LoadedPolicy;

  /** Last input and the combined query's result for it: every rule of the module shares one evaluation. */
  private lastInput?: ArrayBuffer;
  private lastCombined?: unknown[];
  private lastError?: unknown;
  /** Index of each entrypoint in the combined query's result. */
  private readonly memberIndex?: ReadonlyMap<string, number>;

  /** Options of the module's rules that have any, by rule id: `data.meshguard.options`. */
  private options: Record<string, unknown> = {};
  private readonly seenOptions = new Map<string, object>();
  private optionsChanged = false;

  /**
   * @param policy the module, or how to instantiate it: the shipped guardrails are instantiated on first
   *   use, so a run whose results all come from the cache never pays for it.
   */
  constructor(
    private readonly policy: LoadedPolicy | (() => LoadedPolicy),
    readonly label: string,
    groups: readonly RuleGroupSpec[] = [],
    /**
     * A query returning every entrypoint's value at once, as an array in the order of `members`
     * (modules compiled from Rego sources), instead of one call per entrypoint (`.wasm` files).
     */
    private readonly combined?: { query: string; members: readonly string[] },
    /** Data the policy brings along (an OPA bundle's data files), under meshguard's own documents. */
    private readonly baseData?: Record<string, unknown>,
  ) {
    if (combined) this.memberIndex = new Map(combined.members.map((m, i) => [m, i]));
    const declared = groups.map((g) => g.inventoryKinds);
    if (groups.length > 0 && declared.every((k) => k !== undefined)) this.inventoryKinds = new Set(declared.flat());
  }

  /**
   * A rule's options from `.meshguard.yaml`. Rules of one module share its data document, so a rule
   * with options re-sets it once, the first time the options are seen.
   */
  noteOptions(ruleId: string, options: Readonly<Record<string, unknown>>): void {
    // Called per resource: a run's options objects are stable, so one identity check settles it.
    if (this.seenOptions.get(ruleId) === options) return;
    this.seenOptions.set(ruleId, options);
    if (!(ruleId in this.options) && Object.keys(options).length === 0) return;
    this.options = { ...this.options, [ruleId]: options };
    this.optionsChanged = true;
  }

  prepare(inventory: Inventory, mesh: MeshSettings): void {
    // The webhook lays each request's object over a snapshot: the snapshot is the cluster state
    // Gatekeeper's sync would hold, and it stays the same across requests.
    const snapshot = inventory.snapshot;
    if (snapshot === this.dataFor && mesh === this.dataMesh && !this.optionsChanged) return;
    this.module().setData(policyDataBytes(snapshot, mesh, this.inventoryKinds, this.options, this.baseData));
    this.lastInput = undefined;
    this.dataFor = snapshot;
    this.dataMesh = mesh;
    this.optionsChanged = false;
  }

  private module(): LoadedPolicy {
    return (this.loaded ??= typeof this.policy === 'function' ? this.policy() : this.policy);
  }

  /** The value of an entrypoint for this input, or undefined when Rego leaves it undefined. */
  evaluate(input: ArrayBuffer | undefined, entrypoint: string): unknown {
    if (this.combined && input) {
      if (input !== this.lastInput) {
        this.lastInput = input;
        this.lastCombined = undefined;
        this.lastError = undefined;
        try {
          // The query binds its result to a variable of the query's own name (load.ts, compileCombined).
          const bindings = this.run(input, this.combined.query);
          const values = isRecord(bindings) ? bindings[this.combined.query] : undefined;
          this.lastCombined = Array.isArray(values) ? values : [];
        } catch (error) {
          // One failing rule (a conflict, a limit) fails the shared evaluation: every rule of the module
          // reports it, with the failing rule's location, without evaluating again.
          this.lastError = error;
        }
      }
      if (this.lastError !== undefined) throw this.lastError;
      // Each member is [value], or [] where the rule is undefined for this input.
      const at = this.memberIndex?.get(entrypoint);
      const member = at === undefined ? undefined : this.lastCombined?.[at];
      return Array.isArray(member) ? (member[0] as unknown) : undefined;
    }
    const first = this.run(input, entrypoint);
    return isRecord(first) ? first.result : undefined;
  }

  /** The first element of the result set: `{result}` for an entrypoint, the bindings for a query. */
  private run(input: ArrayBuffer | undefined, entrypoint: string): unknown {
    let resultSet: unknown;
    try {
      resultSet = this.module().evaluate(input, entrypoint);
    } catch (error) {
      // opa-wasm throws plain strings (opa_abort); the engine reports Errors as internal-error findings.
      if (isStackOverflow(error)) throw new Error(`${this.label}: eval_cancel_error: evaluation depth limit exceeded`);
      throw error instanceof Error ? error : new Error(`${this.label}: ${String(error)}`);
    }
    return Array.isArray(resultSet) ? (resultSet[0] as unknown) : undefined;
  }
}

/** A rule group as a meshguard `Rule`: the engine, waivers, severities and reporters cannot tell it from a TypeScript rule. */
export function ruleFromGroup(group: RuleGroupSpec, runtime: PolicyRuntime): Rule {
  const combined = new WeakMap<Inventory, Map<Resource, ReportDescriptor[]>>();
  return {
    meta: group.meta,
    check(resource: Resource, context: RuleContext): void {
      runtime.noteOptions(group.meta.id, context.options);
      runtime.prepare(context.inventory, context.mesh);
      // Rego reads the tree through data.inventory, out of the engine's sight: declare what it may read,
      // so that cached results are invalidated when those kinds change (see RuleResultCache).
      noteKindsRead(group.combine || !group.inventoryKinds ? ['*'] : group.inventoryKinds);
      if (group.combine) {
        let byResource = combined.get(context.inventory);
        if (!byResource) combined.set(context.inventory, (byResource = evaluateCombined(group, runtime, context.inventory)));
        for (const descriptor of byResource.get(resource) ?? []) context.report(descriptor);
        return;
      }
      const input = inputBytes(inputOf(resource));
      const excepted = group.exceptionEntrypoint ? exceptionNames(runtime.evaluate(input, group.exceptionEntrypoint)) : undefined;
      for (const entrypoint of group.entrypoints) {
        const exception = exceptionFor(group, entrypoint, excepted);
        for (const item of asItems(runtime.evaluate(input, entrypoint.entrypoint))) {
          const descriptor = toDescriptor(item, entrypoint, group.meta.severity, resource);
          context.report(exception ? { ...descriptor, suppressed: exception } : descriptor);
        }
      }
    },
  };
}

/**
 * conftest's --combine: `input` is every document as `{path, contents}`. A finding belongs to the
 * resource it names (`resource: {kind, name, namespace}`), else to the first document of the tree.
 */
function evaluateCombined(group: RuleGroupSpec, runtime: PolicyRuntime, inventory: Inventory): Map<Resource, ReportDescriptor[]> {
  const resources = inventory.all.filter((r) => r.family === group.meta.appliesTo.family);
  const out = new Map<Resource, ReportDescriptor[]>();
  const first = resources[0];
  if (!first) return out;
  const input = jsonBytes(resources.map((r) => ({ path: r.source.file, contents: r.object })));
  const excepted = group.exceptionEntrypoint ? exceptionNames(runtime.evaluate(input, group.exceptionEntrypoint)) : undefined;
  for (const entrypoint of group.entrypoints) {
    const exception = exceptionFor(group, entrypoint, excepted);
    for (const item of asItems(runtime.evaluate(input, entrypoint.entrypoint))) {
      const named = isRecord(item) && isRecord(item.resource) ? item.resource : undefined;
      const target =
        (named && typeof named.kind === 'string' && typeof named.name === 'string'
          ? resources.find((r) => r.kind === named.kind && r.name === named.name && (named.namespace === undefined || r.namespace === named.namespace))
          : undefined) ?? first;
      const list = out.get(target) ?? [];
      const descriptor = toDescriptor(item, entrypoint, group.meta.severity, target);
      list.push(exception ? { ...descriptor, suppressed: exception } : descriptor);
      out.set(target, list);
    }
  }
  return out;
}

const withNamespace = new WeakMap<Resource, object>();

/**
 * `input` is the resource as `kubectl apply` would create it: a namespaced object that declares no
 * namespace gets the run's default one, as TypeScript rules see it in `resource.namespace`.
 */
export function inputOf(resource: Resource): object {
  const metadata = resource.object.metadata;
  if (resource.namespace === undefined || !isRecord(metadata) || typeof metadata.namespace === 'string') return resource.object;
  let filled = withNamespace.get(resource);
  if (!filled) withNamespace.set(resource, (filled = { ...resource.object, metadata: { ...metadata, namespace: resource.namespace } }));
  return filled;
}

/** Set rules come back as arrays; a complete rule producing one message counts as one finding. */
function asItems(value: unknown): unknown[] {
  if (value === undefined || value === null || value === false) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * conftest reports an excepted rule's failures as exceptions rather than failures; here they are
 * suppressed findings: listed in reports, never failing the run.
 */
function exceptionFor(group: RuleGroupSpec, entrypoint: PolicyEntrypoint, excepted: ReadonlySet<string> | undefined): Suppression | undefined {
  if (!excepted?.has(entrypoint.exceptionName)) return undefined;
  const pkg = `data.${group.exceptionEntrypoint!.split('/').slice(0, -1).join('.')}`;
  return { kind: 'exception', justification: `${pkg}.exception names ${JSON.stringify(entrypoint.exceptionName)} for this resource` };
}

/** conftest's `exception contains rules`: each value is a list of rule names (without the deny_ prefix). */
function exceptionNames(value: unknown): Set<string> {
  const names = new Set<string>();
  for (const item of asItems(value)) {
    for (const name of Array.isArray(item) ? item : [item]) if (typeof name === 'string') names.add(name);
  }
  return names;
}

const SEVERITIES: readonly string[] = ['error', 'warning', 'info'];

export function toDescriptor(item: unknown, entrypoint: PolicyEntrypoint, ruleSeverity: Severity, resource: Resource): ReportDescriptor {
  const fields = isRecord(item) ? item : {};
  const message = typeof item === 'string' ? item : typeof fields.msg === 'string' ? fields.msg : JSON.stringify(item);
  const severity = typeof fields.severity === 'string' && SEVERITIES.includes(fields.severity) ? (fields.severity as Severity) : entrypoint.severity;
  const related = Array.isArray(fields.related) ? fields.related.filter(isRef) : [];
  return {
    path: toPath(fields.path) ?? defaultPath(resource),
    message,
    messageId: typeof fields.messageId === 'string' ? fields.messageId : entrypoint.rule,
    ...(severity !== ruleSeverity ? { severity } : {}),
    ...(related.length > 0 ? { related } : {}),
    ...(fields.missingCompanion === true ? { missingCompanion: true } : {}),
  };
}

/** A path as an array of keys/indexes, a JSON pointer (`/spec/template`) or dotted (`spec.template`). */
export function toPath(value: unknown): JsonPath | undefined {
  if (Array.isArray(value)) return value.every((s) => typeof s === 'string' || typeof s === 'number') ? (value as JsonPath) : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.startsWith('/')) return value.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map(indexOrKey);
  return value.split('.').map(indexOrKey);
}

function indexOrKey(segment: string): string | number {
  return /^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment;
}

/** Findings without a path point at the resource's name (or its document start when it has none). */
export function defaultPath(resource: Resource): JsonPath {
  const metadata = resource.object.metadata;
  return isRecord(metadata) && metadata.name !== undefined ? ['metadata', 'name'] : [];
}

function isRef(value: unknown): value is ResourceRef {
  return isRecord(value) && typeof value.kind === 'string' && typeof value.name === 'string' && typeof value.apiVersion === 'string';
}

/**
 * One rule per id: a rule split over several packages (hence modules) is still one rule to the
 * engine, to waivers and to reporters. The metadata is the fullest one (a METADATA title wins).
 */
export function mergeRulesById(rules: readonly Rule[]): Rule[] {
  const byId = new Map<string, Rule[]>();
  for (const rule of rules) byId.set(rule.meta.id, [...(byId.get(rule.meta.id) ?? []), rule]);
  return [...byId.values()].map((parts) => {
    if (parts.length === 1) return parts[0]!;
    const meta = parts.find((p) => !p.meta.title.startsWith('Rego '))?.meta ?? parts[0]!.meta;
    return {
      meta,
      check(resource: Resource, context: RuleContext): void {
        for (const part of parts) part.check(resource, context);
      },
    };
  });
}
