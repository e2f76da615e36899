import type { MeshSettings } from '../config/types.js';
import type { ClusterContext } from '../model/clusters.js';
import type { LoadProblem } from '../load/problems.js';
import { Inventory, trackKindsRead } from '../model/inventory.js';
import type { Finding, JsonPath, ReportDescriptor, Resource, ResourceRef, RuleMeta, Severity } from '../model/types.js';
import { isWaiverInForce, waiversOf, type Waiver } from '../model/waivers.js';
import type { Rule, RuleContext } from '../rules/rule.js';
import { refOf, relatedAt, toJsonPointer } from '../model/refs.js';
import { assignFingerprints } from './fingerprint.js';
import type { RuleResultCache } from './result-cache.js';
import type { EffectiveRuleSetting } from './settings.js';

export interface EvaluationInput {
  /** Resources to check. */
  resources: readonly Resource[];
  /** Everything cross-resource rules may look at; defaults to `resources`. */
  inventory?: Inventory;
  problems: readonly LoadProblem[];
  rules: readonly Rule[];
  /** Metadata of every known rule (built-in, loader, policies), for waiver validation. */
  knownRules: readonly RuleMeta[];
  settings: ReadonlyMap<string, EffectiveRuleSetting>;
  mesh: MeshSettings;
  today: string;
  /** The base revision's resources, in merge-request mode, and the ref they were read from. */
  baseline?: Inventory;
  baselineRef?: string;
  /** `performance.now()` time after which no further rule is started (admission latency budget). */
  deadline?: number;
  /** When given, each rule's total time in milliseconds is added here (MESHGUARD_TIMING=1). */
  ruleTimings?: Map<string, number>;
  /** Results of earlier runs to replay where still valid (`--cache`). */
  resultCache?: RuleResultCache;
  /** Called after each resource's rules ran (progress of long runs). */
  onResource?: (done: number, total: number) => void;
  /** Multi-cluster mode: the cluster these resources belong to, and the others. */
  cluster?: ClusterContext;
}

/** The evaluation ran out of its time budget; rules are synchronous, so this is checked between rules. */
export class EvaluationTimeout extends Error {}

export interface CheckedPair {
  ruleId: string;
  file: string;
  resource?: ResourceRef;
}

export interface Evaluation {
  findings: Finding[];
  checked: CheckedPair[];
}

export const INTERNAL_ERROR_RULE = 'internal-error';

/**
 * Run the rules over the resources, turn paths into positions, apply waivers and fingerprint.
 * Pure apart from the rules' own work: no I/O, so the CLI, the baseline mode and the webhook share it.
 */
export function evaluate(input: EvaluationInput): Evaluation {
  const inventory = input.inventory ?? new Inventory(input.resources);
  const knownRuleIds = knownIdsOf(input.knownRules);
  const raw: Omit<Finding, 'fingerprint'>[] = [];
  const checked: CheckedPair[] = [];

  for (const problem of input.problems) {
    const setting = input.settings.get(problem.ruleId);
    if (setting && !setting.enabled) continue;
    raw.push({
      ruleId: problem.ruleId,
      messageId: problem.messageId,
      severity: setting?.severityOverride ?? problem.severity,
      message: problem.message,
      file: problem.file,
      ...problem.range,
      path: '',
    });
  }


  const baseContext: Omit<RuleContext, 'options' | 'report'> = {
    inventory,
    mesh: input.mesh,
    today: input.today,
    knownRuleIds,
    ...(input.baseline ? { baseline: input.baseline } : {}),
    ...(input.baselineRef ? { baselineRef: input.baselineRef } : {}),
    ...(input.cluster ? { cluster: input.cluster } : {}),
  };
  // Built only when a rule runs: a warm run replays most results without one.
  // One per (resource, rule) pair, 240,000 in a 10,000-resource tree: a literal of fixed shape, not a spread
  // of baseContext (V8's generic object clone was ~4% of a cold run), unless the rare optional fields are set.
  const plain = !input.baseline && !input.baselineRef && !input.cluster;
  const { mesh, today } = input;
  const contextFor = (setting: EffectiveRuleSetting | undefined, report: RuleContext['report']): RuleContext =>
    plain ? { inventory, mesh, today, knownRuleIds, options: setting?.options ?? {}, report } : { ...baseContext, options: setting?.options ?? {}, report };
  const rulesFor = rulesByKind(input.rules, input.settings);
  // The resource being checked, read by the reporters below: rules report synchronously, from within check().
  let resource!: Resource;
  let ref!: ResourceRef;
  // Needed only when something is reported: nearly every resource has no waiver, and a warm run that
  // replays nothing for a resource never parses its annotations.
  let waivers: readonly Waiver[] | undefined;
  const waiversInForce = (): readonly Waiver[] => {
    if (waivers) return waivers;
    const written = resource.family === 'kubernetes' ? waiversOf(resource) : NO_WAIVERS;
    return (waivers = written.length === 0 ? NO_WAIVERS : written.filter((w) => isWaiverInForce(w, input.today)));
  };
  const reporterFor = (rule: Rule, setting: EffectiveRuleSetting | undefined) => (descriptor: ReportDescriptor): void => {
    const inForce = waiversInForce();
    const waiver = inForce.length === 0 ? undefined : inForce.find((w) => w.ruleId === rule.meta.id);
    // A waiver is the team's own word on the finding: it wins over a policy's exception.
    const suppressed = waiver ? { kind: 'waiver' as const, justification: waiver.reason, ...(waiver.expires ? { expires: waiver.expires } : {}) } : descriptor.suppressed;
    raw.push(toFinding(resource, ref, rule.meta, withRelatedPositions(descriptor, inventory), setting?.severityOverride, suppressed));
  };
  // One reporter and one context per rule for the whole evaluation, instead of a closure and a context object
  // per (resource, rule) pair: 240,000 of each in a 10,000-resource tree.
  const reporters = new Map<Rule, { report: RuleContext['report']; context: RuleContext }>();
  const reporterOf = (rule: Rule, setting: EffectiveRuleSetting | undefined): { report: RuleContext['report']; context: RuleContext } => {
    let found = reporters.get(rule);
    if (!found) {
      const report = reporterFor(rule, setting);
      reporters.set(rule, (found = { report, context: contextFor(setting, report) }));
    }
    return found;
  };
  for (let index = 0; index < input.resources.length; index++) {
    resource = input.resources[index]!;
    input.onResource?.(index + 1, input.resources.length);
    waivers = undefined;
    ref = refOf(resource);
    const file = resource.source.file;
    const cache = resource.family === 'kubernetes' ? input.resultCache?.forResource(resource) : undefined;
    for (const { rule, setting } of rulesFor(resource)) {
      if (input.deadline !== undefined && performance.now() > input.deadline) {
        throw new EvaluationTimeout(`evaluation exceeded its time budget before rule '${rule.meta.id}'`);
      }
      checked.push({ ruleId: rule.meta.id, file, resource: ref });
      const started = input.ruleTimings ? performance.now() : 0;
      const replay = cache?.lookup(rule.meta.id);
      // Most replayed results report nothing: a warm run then allocates nothing more per (resource, rule) pair.
      if (replay?.length === 0) {
        if (input.ruleTimings) input.ruleTimings.set(rule.meta.id, (input.ruleTimings.get(rule.meta.id) ?? 0) + performance.now() - started);
        continue;
      }
      const { report, context } = reporterOf(rule, setting);
      try {
        if (replay) {
          for (const descriptor of replay) report(descriptor);
        } else if (cache) {
          const descriptors: ReportDescriptor[] = [];
          let kinds: Set<string>;
          try {
            ({ kinds } = trackKindsRead(() => rule.check(resource, contextFor(setting, (d) => void descriptors.push(d)))));
          } finally {
            // Reported once the rule is done: where the engine locates related resources is none of the rule's reads.
            for (const descriptor of descriptors) report(descriptor);
          }
          cache.store(rule.meta.id, descriptors, kinds);
        } else {
          rule.check(resource, context);
        }
      } catch (error) {
        // A rule bug must not take the run down or hide other findings: report it where it happened.
        raw.push(
          toFinding(resource, ref, { ...rule.meta, id: INTERNAL_ERROR_RULE }, {
            path: [],
            messageId: 'ruleCrashed',
            message: `rule '${rule.meta.id}' failed on this resource: ${error instanceof Error ? error.message : String(error)}`,
            severity: 'error',
          }),
        );
      }
      if (input.ruleTimings) input.ruleTimings.set(rule.meta.id, (input.ruleTimings.get(rule.meta.id) ?? 0) + performance.now() - started);
    }
  }

  raw.sort(compareFindings);
  return { findings: assignFingerprints(raw), checked };
}

function toFinding(
  resource: Resource,
  ref: ResourceRef,
  meta: RuleMeta,
  descriptor: ReportDescriptor,
  severityOverride?: Severity,
  suppressed?: Finding['suppressed'],
): Omit<Finding, 'fingerprint'> {
  const at = descriptor.textPosition;
  const { file, ...range } = at && resource.source.locateInText
    ? resource.source.locateInText(descriptor.path, at.line, at.column)
    : resource.source.locate(descriptor.path);
  return {
    ruleId: meta.id,
    messageId: descriptor.messageId,
    severity: severityOverride ?? descriptor.severity ?? meta.severity,
    message: descriptor.message,
    file: file ?? resource.source.file,
    ...range,
    resource: ref,
    path: toJsonPointer(descriptor.path as JsonPath),
    ...(descriptor.related && descriptor.related.length > 0 ? { related: descriptor.related } : {}),
    ...(descriptor.missingCompanion ? { missingCompanion: true } : {}),
    ...(suppressed ? { suppressed } : {}),
  };
}

/**
 * Related resources carry file, line and column in every report, so that a reviewer can jump to the other
 * half of a cross-resource finding: those of the tree are located here (their definition's `metadata.name`).
 */
function withRelatedPositions(descriptor: ReportDescriptor, inventory: Inventory): ReportDescriptor {
  if (!descriptor.related?.some((r) => r.file === undefined)) return descriptor;
  const related = descriptor.related.map((r) => {
    if (r.file !== undefined) return r;
    const resource = inventory.get(r.kind, r.namespace, r.name);
    if (!resource) return r;
    const { file, line, column } = relatedAt(resource);
    return { ...r, file, line, column };
  });
  return { ...descriptor, related };
}

const NO_WAIVERS: readonly Waiver[] = [];

/** The ids of the known rules: the webhook evaluates with the same list per request, so the set is built once. */
const knownIds = new WeakMap<readonly RuleMeta[], ReadonlySet<string>>();
function knownIdsOf(metas: readonly RuleMeta[]): ReadonlySet<string> {
  let ids = knownIds.get(metas);
  if (!ids) knownIds.set(metas, (ids = new Set(metas.map((m) => m.id))));
  return ids;
}

interface ActiveRule {
  rule: Rule;
  setting: EffectiveRuleSetting | undefined;
}

/**
 * The enabled rules for a family and kind, with their settings, in rule order: looked up once per kind rather
 * than tested per (resource, rule) pair, most of which do not apply. Kept per rules list and settings map,
 * which the webhook passes unchanged with every request.
 */
const activeByRules = new WeakMap<readonly Rule[], WeakMap<ReadonlyMap<string, EffectiveRuleSetting>, (resource: Resource) => readonly ActiveRule[]>>();
function rulesByKind(rules: readonly Rule[], settings: ReadonlyMap<string, EffectiveRuleSetting>): (resource: Resource) => readonly ActiveRule[] {
  let bySettings = activeByRules.get(rules);
  if (!bySettings) activeByRules.set(rules, (bySettings = new WeakMap()));
  let lookup = bySettings.get(settings);
  if (!lookup) {
    const active = rules.filter((rule) => settings.get(rule.meta.id)?.enabled !== false);
    // family -> kind -> rules: no `family/kind` string is built per resource.
    const byFamily = new Map<string, Map<string, readonly ActiveRule[]>>();
    lookup = (resource) => {
      let byKind = byFamily.get(resource.family);
      if (!byKind) byFamily.set(resource.family, (byKind = new Map()));
      let list = byKind.get(resource.kind);
      if (!list) byKind.set(resource.kind, (list = active.filter((rule) => applies(rule.meta, resource)).map((rule) => ({ rule, setting: settings.get(rule.meta.id) }))));
      return list;
    };
    bySettings.set(settings, lookup);
  }
  return lookup;
}

function applies(meta: RuleMeta, resource: Resource): boolean {
  if (meta.appliesTo.family !== resource.family) return false;
  return !meta.appliesTo.kinds || meta.appliesTo.kinds.includes(resource.kind);
}


export function compareFindings(a: Omit<Finding, 'fingerprint'>, b: Omit<Finding, 'fingerprint'>): number {
  return (
    cmp(a.file, b.file) || a.line - b.line || a.column - b.column || cmp(a.ruleId, b.ruleId) || cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
