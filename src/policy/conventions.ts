import type { Module, Term } from '../rego/index.js';
import type { DocumentFamily, RuleMeta, Severity } from '../model/types.js';
import { annotationsOf, isRecord, type Annotations } from './metadata.js';

/** Where a Rego rule's findings come from: one `deny`/`violation`/`warn` rule of a package. */
export interface PolicyEntrypoint {
  /** `pkg/path/rule`, as compiled. */
  entrypoint: string;
  /** The rule's name (`deny_latest_tag`): the finding's default message id. */
  rule: string;
  severity: Severity;
  /** conftest's exception key: the rule name without its `deny_`/`violation_`/`warn_` prefix. */
  exceptionName: string;
}

/**
 * One meshguard rule made of Rego rules: serialisable, so the shipped policies' manifest and the
 * compile cache store it next to the wasm module and a run never has to parse Rego again.
 */
export interface RuleGroupSpec {
  meta: RuleMeta;
  convention: 'native' | 'conftest';
  entrypoints: PolicyEntrypoint[];
  /** conftest `exception` rule of the same package, if any. */
  exceptionEntrypoint?: string;
  /** conftest's --combine: `input` is every resource, evaluated once per run. */
  combine: boolean;
  /**
   * The kinds this rule reads from `data.inventory` (METADATA `custom.inventory`); undefined = all.
   * A module's data document holds only what its rules declare, so it is cheap to load per run.
   */
  inventoryKinds?: string[];
}

export interface ConventionOptions {
  /** conftest namespaces (packages) whose rules run; `*` for every package. Default `main`. */
  namespaces: readonly string[];
  combine: boolean;
  /** Default documentation link of rules whose METADATA names none. */
  defaultHelpUri: (id: string) => string;
}

const FINDING_RULE = /^(deny|violation|warn)(_[A-Za-z0-9_]+)?$/;

/** The rule groups a set of parsed modules defines, and the entrypoints to compile for them. */
export function ruleGroupsOf(modules: readonly Module[], options: ConventionOptions): { groups: RuleGroupSpec[]; entrypoints: string[] } {
  const groups = new Map<string, RuleGroupSpec>();
  const entrypoints = new Set<string>();
  // conftest reads `data.<package>.exception`: it may be defined in any file of the package.
  const exceptionPackages = new Set(modules.filter((m) => m.rules.some((r) => nameOf(r.head.ref) === 'exception')).map((m) => m.package.join('.')));
  for (const module of modules) {
    const pkg = module.package.join('.');
    const annotations = annotationsOf(module);
    const packageId = customString(annotations.package, 'id');
    const conftestPackage = options.namespaces.includes('*') || options.namespaces.includes(pkg);
    const hasException = exceptionPackages.has(pkg);
    for (const rule of module.rules) {
      const name = nameOf(rule.head.ref);
      if (!name || !FINDING_RULE.test(name)) continue;
      const ruleAnnotations = annotations.rules.get(rule.loc.line);
      const id = customString(ruleAnnotations, 'id') ?? packageId ?? (conftestPackage ? kebab(`${pkg}-${name}`) : undefined);
      if (!id) continue;
      const entrypoint = [...module.package, name].join('/');
      const native = customString(ruleAnnotations, 'id') !== undefined || packageId !== undefined;
      const merged = mergeAnnotations(annotations.package, ruleAnnotations);
      let group = groups.get(id);
      if (!group) {
        group = {
          meta: metaOf(id, `${pkg}.${name}`, merged, name, options),
          convention: native ? 'native' : 'conftest',
          entrypoints: [],
          ...(hasException && !native ? { exceptionEntrypoint: [...module.package, 'exception'].join('/') } : {}),
          combine: options.combine || merged.custom.combine === true,
          ...(Array.isArray(merged.custom.inventory) ? { inventoryKinds: merged.custom.inventory.filter((k): k is string => typeof k === 'string') } : {}),
        };
        groups.set(id, group);
      } else if (merged.title && group.meta.title.startsWith('Rego ')) {
        // A rule split over packages: the package carrying the full METADATA describes it.
        group.meta = metaOf(id, `${pkg}.${name}`, merged, name, options);
      }
      // Packages of one rule may read different kinds: the rule's data holds their union (undeclared = all).
      const kinds = Array.isArray(merged.custom.inventory) ? merged.custom.inventory.filter((k): k is string => typeof k === 'string') : undefined;
      if (!kinds) delete group.inventoryKinds;
      else if (group.inventoryKinds) group.inventoryKinds = [...new Set([...group.inventoryKinds, ...kinds])].sort();
      if (group.entrypoints.some((e) => e.entrypoint === entrypoint)) continue;
      group.entrypoints.push({ entrypoint, rule: name, severity: severityOf(merged) ?? defaultSeverity(name), exceptionName: name.replace(/^(deny|violation|warn)_?/, '') });
      entrypoints.add(entrypoint);
      if (group.exceptionEntrypoint) entrypoints.add(group.exceptionEntrypoint);
    }
  }
  return { groups: [...groups.values()], entrypoints: [...entrypoints].sort() };
}

/** conftest: `warn` rules warn, `deny` and `violation` rules fail. */
function defaultSeverity(rule: string): Severity {
  return rule.startsWith('warn') ? 'warning' : 'error';
}

function metaOf(id: string, qualified: string, a: Annotations, rule: string, options: ConventionOptions): RuleMeta {
  const kinds = Array.isArray(a.custom.kinds) ? a.custom.kinds.filter((k): k is string => typeof k === 'string') : undefined;
  const family: DocumentFamily = a.custom.family === 'gitlab-ci' ? 'gitlab-ci' : 'kubernetes';
  const tags = Array.isArray(a.custom.tags) ? a.custom.tags.filter((t): t is string => typeof t === 'string') : [];
  return {
    id,
    title: a.title ?? `Rego ${qualified}`,
    description: a.description ?? `Findings of the Rego rule ${qualified}.`,
    severity: severityOf(a) ?? defaultSeverity(rule),
    helpUri: a.relatedResources[0] ?? options.defaultHelpUri(id),
    tags: tags.length > 0 ? tags : ['rego'],
    appliesTo: { family, ...(kinds && kinds.length > 0 ? { kinds } : {}) },
    // `custom.options`: the JSON Schema of the rule's options in .meshguard.yaml (data.meshguard.options[<id>]).
    ...(isRecord(a.custom.options) ? { optionsSchema: a.custom.options } : {}),
  };
}

function mergeAnnotations(pkg: Annotations | undefined, rule: Annotations | undefined): Annotations {
  return {
    ...pkg,
    ...rule,
    relatedResources: [...(rule?.relatedResources ?? []), ...(pkg?.relatedResources ?? [])],
    custom: { ...pkg?.custom, ...rule?.custom },
  };
}

function severityOf(a: Annotations | undefined): Severity | undefined {
  const s = a?.custom.severity;
  return s === 'error' || s === 'warning' || s === 'info' ? s : undefined;
}

function customString(a: Annotations | undefined, key: string): string | undefined {
  const v = a?.custom[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function nameOf(ref: readonly Term[]): string | undefined {
  const head = ref[0];
  return head?.type === 'var' ? head.name : undefined;
}

/** Rule ids are kebab-case (they key `.meshguard.yaml` rules and waiver annotations). */
export function kebab(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

/** Rules of a precompiled module without sources: only the entrypoint names tell the convention. */
export function ruleGroupsOfEntrypoints(names: readonly string[], options: ConventionOptions): RuleGroupSpec[] {
  const groups: RuleGroupSpec[] = [];
  for (const entrypoint of names) {
    const parts = entrypoint.split('/');
    const rule = parts.at(-1) ?? '';
    const pkg = parts.slice(0, -1).join('.');
    if (!FINDING_RULE.test(rule) || !(options.namespaces.includes('*') || options.namespaces.includes(pkg))) continue;
    const id = kebab(`${pkg}-${rule}`);
    const exception = [...parts.slice(0, -1), 'exception'].join('/');
    groups.push({
      meta: metaOf(id, `${pkg}.${rule}`, { relatedResources: [], custom: {} }, rule, options),
      convention: 'conftest',
      entrypoints: [{ entrypoint, rule, severity: defaultSeverity(rule), exceptionName: rule.replace(/^(deny|violation|warn)_?/, '') }],
      ...(names.includes(exception) ? { exceptionEntrypoint: exception } : {}),
      combine: options.combine,
    });
  }
  return groups;
}
