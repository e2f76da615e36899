import type { Inventory } from '../model/inventory.js';
import type { JsonPath, Resource, RuleMeta, Severity } from '../model/types.js';
import { RegoError, RegoErrors, type PolicySource } from '../rego/index.js';
import type { Rule, RuleContext } from '../rules/rule.js';
import { defaultPath, PolicyRuntime, toPath } from './adapter.js';
import { assertEntrypoints, cacheKey, compileModules, instantiate, parseRego, policyError, readCache, writeCache } from './compile.js';
import { kebab } from './conventions.js';
import { jsonBytes } from './inventory-data.js';
import { isRecord } from './metadata.js';

/** A ConstraintTemplate among the loaded manifests: its Rego and the constraint kind it defines. */
export interface ConstraintTemplate {
  kind: string;
  resource: Resource;
  sources: PolicySource[];
  /** Where each source is written in the template (same order as `sources`). */
  sourcePaths: JsonPath[];
}

export function isConstraintTemplate(resource: Resource): boolean {
  return resource.kind === 'ConstraintTemplate' && resource.apiVersion.startsWith('templates.gatekeeper.sh/');
}

export function isConstraint(resource: Resource): boolean {
  return resource.apiVersion.startsWith('constraints.gatekeeper.sh/');
}

export function templateOf(resource: Resource): ConstraintTemplate | undefined {
  const spec = isRecord(resource.object.spec) ? resource.object.spec : {};
  const names = isRecord(spec.crd) && isRecord(spec.crd.spec) && isRecord(spec.crd.spec.names) ? spec.crd.spec.names : {};
  const targets = Array.isArray(spec.targets) ? spec.targets : [];
  let targetIndex = targets.findIndex((t) => isRecord(t) && t.target === 'admission.k8s.gatekeeper.sh');
  if (targetIndex < 0 && targets.length > 0) targetIndex = 0;
  const target = targets[targetIndex];
  if (typeof names.kind !== 'string' || !isRecord(target)) return undefined;
  // `rego` and `libs` (v1beta1) or, since Gatekeeper 3.17, `code: [{engine: Rego, source: {rego, libs}}]`.
  const codeIndex = Array.isArray(target.code) ? target.code.findIndex((c) => isRecord(c) && c.engine === 'Rego') : -1;
  const code = codeIndex >= 0 ? (target.code as unknown[])[codeIndex] : undefined;
  const holderPath: JsonPath = typeof target.rego === 'string' ? ['spec', 'targets', targetIndex] : ['spec', 'targets', targetIndex, 'code', codeIndex, 'source'];
  const holder = typeof target.rego === 'string' ? target : isRecord(code) && isRecord(code.source) ? code.source : undefined;
  if (!holder || typeof holder.rego !== 'string' || !holder.rego) return undefined;
  const libs = Array.isArray(holder.libs) ? holder.libs : [];
  const where = `${resource.source.file}#${resource.name}`;
  const sources: PolicySource[] = [{ path: where, source: holder.rego }];
  const sourcePaths: JsonPath[] = [[...holderPath, 'rego']];
  libs.forEach((lib, i) => {
    if (typeof lib !== 'string') return;
    sources.push({ path: `${where}/libs/${i}`, source: lib });
    sourcePaths.push([...holderPath, 'libs', i]);
  });
  return { kind: names.kind, resource, sources, sourcePaths };
}

/**
 * One rule per ConstraintTemplate (id: the constraint kind in kebab-case, e.g. `k8s-required-labels`),
 * run for every Constraint of that kind whose `match` selects the resource. Constraints' own
 * `enforcementAction` sets the severity: deny -> error, warn -> warning, dryrun -> info.
 */
export async function gatekeeperRules(resources: readonly Resource[], cacheDir: string | undefined): Promise<Rule[]> {
  const rules: Rule[] = [];
  for (const resource of resources.filter(isConstraintTemplate)) {
    const template = templateOf(resource);
    if (!template) continue;
    const key = cacheKey({ gatekeeper: template.sources });
    let cached = readCache<{ entrypoint: string }>(cacheDir, key);
    if (!cached) {
      // Gatekeeper templates are Rego v0 unless they import rego.v1.
      try {
        const { modules, v0 } = parseRego(template.sources.slice(0, 1), true);
        const entrypoint = [...modules[0]!.package, 'violation'].join('/');
        const module = await compileModules(template.sources, [entrypoint], v0);
        writeCache(cacheDir, key, module, { entrypoint });
        cached = { module, extra: { entrypoint } };
      } catch (error) {
        // A broken template is a finding on the template, like a broken manifest: the run goes on.
        if (!(error instanceof RegoError || error instanceof RegoErrors)) throw policyError(error, `ConstraintTemplate ${template.resource.name} (${template.resource.source.file})`);
        rules.push(brokenTemplateRule(template, error instanceof RegoErrors ? error.errors : [error]));
        continue;
      }
    }
    const policy = await instantiate(cached.module);
    assertEntrypoints(policy, [cached.extra.entrypoint], `ConstraintTemplate ${template.resource.name}`);
    const runtime = new PolicyRuntime(policy, `ConstraintTemplate ${template.kind}`);
    rules.push(templateRule(template, runtime, cached.extra.entrypoint));
  }
  return rules;
}

/** Why a template did not compile, as one error per Rego problem at its line in the template's YAML. */
export interface TemplateProblem {
  message: string;
  path: JsonPath;
  textPosition?: { line: number; column: number };
}

export function templateProblems(template: ConstraintTemplate, errors: readonly RegoError[]): TemplateProblem[] {
  return errors.map((e) => {
    const index = e.location ? template.sources.findIndex((s) => s.path === e.location!.file) : -1;
    const path = template.sourcePaths[Math.max(0, index)]!;
    const message = `ConstraintTemplate ${template.resource.name} does not compile: ${e.code}: ${e.detail}`;
    return index >= 0 && e.location ? { message, path, textPosition: { line: e.location.line, column: e.location.col } } : { message, path };
  });
}

/**
 * The rule of a template whose Rego does not compile: it reports the errors on the template itself
 * (at their line inside the embedded Rego) and evaluates nothing.
 */
function brokenTemplateRule(template: ConstraintTemplate, errors: readonly RegoError[]): Rule & { problems: TemplateProblem[] } {
  const problems = templateProblems(template, errors);
  const rule = templateRule(template, undefined, '');
  return {
    meta: rule.meta,
    problems,
    check(resource: Resource, context: RuleContext): void {
      if (resource.id !== template.resource.id) return;
      for (const p of problems) context.report({ path: p.path, message: p.message, messageId: 'templateError', ...(p.textPosition ? { textPosition: p.textPosition } : {}) });
    },
  };
}

function templateRule(template: ConstraintTemplate, runtime: PolicyRuntime | undefined, entrypoint: string): Rule {
  const annotations = template.resource.annotations;
  const meta: RuleMeta = {
    id: kebab(template.kind),
    title: annotations['metadata.gatekeeper.sh/title'] ?? `Gatekeeper ${template.kind}`,
    description: annotations.description ?? `Violations of the Gatekeeper ConstraintTemplate ${template.resource.name} (${template.resource.source.file}).`,
    severity: 'error',
    helpUri: 'https://open-policy-agent.github.io/gatekeeper/website/docs/howto',
    tags: ['rego', 'gatekeeper'],
    appliesTo: { family: 'kubernetes' },
  };
  return {
    meta,
    check(resource: Resource, context: RuleContext): void {
      const constraints = context.inventory.ofKind(template.kind).filter(isConstraint);
      if (!runtime || constraints.length === 0 || isConstraintTemplate(resource) || isConstraint(resource)) return;
      runtime.prepare(context.inventory, context.mesh);
      for (const constraint of constraints) {
        if (!matches(constraint, resource, context.inventory)) continue;
        const spec = isRecord(constraint.object.spec) ? constraint.object.spec : {};
        const severity = severityOf(spec.enforcementAction);
        const input = jsonBytes({ review: reviewOf(resource), parameters: isRecord(spec.parameters) ? spec.parameters : {} });
        const result = runtime.evaluate(input, entrypoint);
        for (const item of Array.isArray(result) ? result : []) {
          const fields = isRecord(item) ? item : {};
          const details = isRecord(fields.details) ? fields.details : {};
          context.report({
            path: toPath(details.path ?? fields.path) ?? defaultPath(resource),
            message: typeof fields.msg === 'string' ? fields.msg : JSON.stringify(item),
            messageId: constraint.name,
            ...(severity !== 'error' ? { severity } : {}),
          });
        }
      }
    },
  };
}

function severityOf(action: unknown): Severity {
  return action === 'warn' ? 'warning' : action === 'dryrun' ? 'info' : 'error';
}

/** `input.review` as Gatekeeper builds it from an AdmissionRequest (a CREATE of the manifest). */
function reviewOf(resource: Resource): Record<string, unknown> {
  const [group, version] = resource.apiVersion.includes('/') ? resource.apiVersion.split('/') : ['', resource.apiVersion];
  return {
    kind: { group, version, kind: resource.kind },
    name: resource.name,
    ...(resource.namespace !== undefined ? { namespace: resource.namespace } : {}),
    operation: 'CREATE',
    object: resource.object,
  };
}


/** Gatekeeper's `spec.match`: kinds, scope, namespaces / excludedNamespaces (with `*` suffix globs), label selectors. */
export function matches(constraint: Resource, resource: Resource, inventory: Inventory): boolean {
  const spec = isRecord(constraint.object.spec) ? constraint.object.spec : {};
  const match = isRecord(spec.match) ? spec.match : {};
  if (Array.isArray(match.kinds) && match.kinds.length > 0) {
    const group = resource.apiVersion.includes('/') ? resource.apiVersion.split('/')[0]! : '';
    const hit = match.kinds.some((k) => {
      if (!isRecord(k)) return false;
      const groups = Array.isArray(k.apiGroups) ? k.apiGroups : ['*'];
      const kinds = Array.isArray(k.kinds) ? k.kinds : ['*'];
      return (groups.includes('*') || groups.includes(group)) && (kinds.includes('*') || kinds.includes(resource.kind));
    });
    if (!hit) return false;
  }
  const namespace = resource.namespace;
  if (match.scope === 'Cluster' && namespace !== undefined) return false;
  if (match.scope === 'Namespaced' && namespace === undefined) return false;
  const nsName = resource.kind === 'Namespace' ? resource.name : namespace;
  if (Array.isArray(match.namespaces) && (nsName === undefined || !match.namespaces.some((p) => globMatch(p, nsName)))) return false;
  if (Array.isArray(match.excludedNamespaces) && nsName !== undefined && match.excludedNamespaces.some((p) => globMatch(p, nsName))) return false;
  if (isRecord(match.labelSelector) && !selects(match.labelSelector, resource.labels)) return false;
  if (isRecord(match.namespaceSelector)) {
    const nsObject = nsName === undefined ? undefined : resource.kind === 'Namespace' ? resource : inventory.namespace(nsName);
    if (!nsObject || !selects(match.namespaceSelector, nsObject.labels)) return false;
  }
  return true;
}

function globMatch(pattern: unknown, name: string): boolean {
  if (typeof pattern !== 'string') return false;
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** A Kubernetes LabelSelector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist). */
export function selects(selector: Record<string, unknown>, labels: Readonly<Record<string, string>>): boolean {
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) if (labels[key] !== value) return false;
  for (const expression of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    if (!isRecord(expression) || typeof expression.key !== 'string') return false;
    const values = Array.isArray(expression.values) ? expression.values : [];
    const value = labels[expression.key];
    switch (expression.operator) {
      case 'In': if (value === undefined || !values.includes(value)) return false; break;
      case 'NotIn': if (value !== undefined && values.includes(value)) return false; break;
      case 'Exists': if (value === undefined) return false; break;
      case 'DoesNotExist': if (value !== undefined) return false; break;
      default: return false;
    }
  }
  return true;
}
