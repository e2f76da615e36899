import { DEFAULT_CONFIG, type MeshguardConfig } from '../config/types.js';
import { knownRuleMetas } from '../engine/check.js';
import { defaultRules } from '../policy/index.js';
import { shortenMiddle } from '../report/common.js';
import { evaluate, EvaluationTimeout } from '../engine/evaluate.js';
import { resolveRuleSettings, type EffectiveRuleSetting } from '../engine/settings.js';
import { resourceFromObject } from '../load/resources.js';
import { Inventory } from '../model/inventory.js';
import { SEVERITY_RANK, type Finding, type RuleMeta, type Severity } from '../model/types.js';
import { isRecord } from '../model/workload.js';
import type { Rule } from '../rules/rule.js';

/**
 * The AdmissionReview versions answered. An API server sends the first version of the webhook's
 * `admissionReviewVersions` it supports and rejects an answer in another one, so the answer is always in
 * the version asked; the response fields are the same in both.
 */
export const ADMISSION_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type AdmissionVersion = (typeof ADMISSION_VERSIONS)[number];

/** What the API server expects back, in the version of the request. */
export interface AdmissionReviewResponse {
  apiVersion: AdmissionVersion;
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string; reason?: string };
    warnings?: string[];
  };
}

export type FailurePolicy = 'Fail' | 'Ignore';

export interface AdmissionOptions {
  config?: MeshguardConfig;
  rules?: readonly Rule[];
  /** Snapshot of the cluster's other objects for cross-resource rules (e.g. quotas, PeerAuthentications). */
  inventory?: Inventory;
  /** Findings at or above this severity deny the request (default error); lower ones become warnings. */
  denyOn?: Severity;
  /** Findings below this severity are not even warned about (default warning). */
  warnOn?: Severity;
  /** What to answer when meshguard cannot evaluate: match the webhook's `failurePolicy` (default Fail). */
  failurePolicy?: FailurePolicy;
  /** Latency budget per request in milliseconds (default 200). */
  timeoutMs?: number;
  today?: string;
}

export interface AdmissionOutcome {
  review: AdmissionReviewResponse;
  /** For metrics and logs: allowed | denied | warned | error | skipped. */
  outcome: 'allowed' | 'denied' | 'warned' | 'error' | 'skipped';
  findings: Finding[];
}

/**
 * AdmissionResponse.warnings: "Limit warnings to 120 characters if possible. Warnings over 256
 * characters and large numbers of warnings may be truncated." We keep within 256 and shorten in the
 * middle, so the fix at the end of a message survives.
 */
const MAX_WARNING_LENGTH = 256;

/**
 * Build a reviewer once (rules and settings resolved) and call it per request: this is the library
 * entry a platform's existing webhook embeds. It never throws for a bad request; every failure mode
 * has an explicit answer.
 */
export interface AdmissionReviewer {
  (review: unknown): AdmissionOutcome;
  /** Swap the cross-resource snapshot (e.g. after the inventory directory changed). */
  setInventory(inventory: Inventory): void;
}

export function createAdmissionReviewer(options: AdmissionOptions = {}): AdmissionReviewer {
  const config = options.config ?? DEFAULT_CONFIG;
  // Built once per reviewer: the shipped Rego guardrails are instantiated once per process, and
  // policy rules (loadPolicyRules / gatekeeperRules) can be passed in `rules` the same way.
  const rules = options.rules ?? defaultRules();
  const metas: RuleMeta[] = knownRuleMetas(rules);
  const settings: Map<string, EffectiveRuleSetting> = resolveRuleSettings(config, metas);
  const denyRank = SEVERITY_RANK[options.denyOn ?? 'error'];
  const warnRank = SEVERITY_RANK[options.warnOn ?? 'warning'];
  const failurePolicy = options.failurePolicy ?? 'Fail';
  const timeoutMs = options.timeoutMs ?? 200;
  let snapshot = options.inventory ?? new Inventory([]);

  const reviewer = (review: unknown): AdmissionOutcome => {
    const invalid = invalidReview(review);
    if (invalid) return invalid;
    const request = (review as { request: Record<string, unknown> }).request;
    const uid = request.uid as string;
    const version = versionOf(review)!;
    const answer = answerIn.bind(undefined, version);
    // DELETE (and CONNECT) carry no object to lint.
    const object = request.object;
    if (!isRecord(object)) return answer(uid, true, 'skipped', []);
    const namespace = typeof request.namespace === 'string' ? request.namespace : config.defaultNamespace;
    const withNamespace = isRecord(object.metadata) && typeof object.metadata.namespace !== 'string' && request.namespace
      ? { ...object, metadata: { ...object.metadata, namespace } }
      : object;
    const resource = resourceFromObject(withNamespace, 'admission', namespace);
    if (!resource) return answer(uid, true, 'skipped', []);

    let findings: Finding[];
    try {
      findings = evaluate({
        resources: [resource],
        inventory: Inventory.withResource(snapshot, resource),
        problems: [],
        rules,
        knownRules: metas,
        settings,
        mesh: config.mesh,
        today: options.today ?? today(),
        deadline: performance.now() + timeoutMs,
      }).findings.filter((f) => !f.suppressed);
    } catch (error) {
      const why = error instanceof EvaluationTimeout ? error.message : `internal error: ${error instanceof Error ? error.message : String(error)}`;
      return unevaluated(version, uid, failurePolicy, `meshguard could not evaluate ${resource.kind}/${resource.name}: ${why}`);
    }

    // A missing companion (no Sidecar yet) is expected mid-rollout: warn, never deny (see ReportDescriptor).
    const denying = findings.filter((f) => !f.missingCompanion && SEVERITY_RANK[f.severity] >= denyRank);
    const warning = findings.filter((f) => !denying.includes(f) && SEVERITY_RANK[f.severity] >= warnRank);
    const warnings = warning.map((f) => truncate(formatFinding(f)));
    if (denying.length > 0) {
      return answer(uid, false, 'denied', findings, { code: 403, reason: 'Forbidden', message: denying.map(formatFinding).join('\n') }, warnings);
    }
    return answer(uid, true, warnings.length > 0 ? 'warned' : 'allowed', findings, undefined, warnings);
  };

  return Object.assign(reviewer, {
    setInventory(inventory: Inventory) {
      snapshot = inventory;
    },
  });
}

/** Today's UTC date, formatted once per day rather than per review (it was ~2% of a review's evaluation thread time). */
function today(): string {
  const now = Date.now();
  if (now >= todayEndsAt) {
    todayText = new Date(now).toISOString().slice(0, 10); // as todayUtc(), for this instant
    todayEndsAt = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  }
  return todayText;
}
const DAY_MS = 86_400_000;
let todayText = '';
let todayEndsAt = 0;

/** One-shot convenience; build a reviewer with `createAdmissionReviewer` when serving many requests. */
export function reviewAdmission(review: unknown, options: AdmissionOptions = {}): AdmissionReviewResponse {
  return createAdmissionReviewer(options)(review).review;
}

/** `[<rule-id>] <message> (at <json-pointer>)`: the shape Gatekeeper users already read. */
export function formatFinding(finding: Finding): string {
  return `[${finding.ruleId}] ${finding.message}${finding.path ? ` (at ${finding.path})` : ''}`;
}

/** The version a review asked in; a review that names none is taken as v1. */
function versionOf(review: unknown): AdmissionVersion | undefined {
  const asked = isRecord(review) ? review.apiVersion : undefined;
  if (asked === undefined) return 'admission.k8s.io/v1';
  return ADMISSION_VERSIONS.find((v) => v === asked);
}

/**
 * The answer when meshguard could not evaluate a review (an error, its time budget spent).
 * Fail: deny as the API server would if we had not answered; Ignore: admit, but say so.
 */
function unevaluated(version: AdmissionVersion, uid: string, failurePolicy: FailurePolicy, message: string): AdmissionOutcome {
  return failurePolicy === 'Fail'
    ? answerIn(version, uid, false, 'error', [], { code: 500, message })
    : answerIn(version, uid, true, 'error', [], undefined, [truncate(message)]);
}

/** The 400 answer to a body that is not an AdmissionReview meshguard can answer; undefined for one it can. */
function invalidReview(review: unknown): AdmissionOutcome | undefined {
  const request = isRecord(review) && isRecord(review.request) ? review.request : undefined;
  const uid = typeof request?.uid === 'string' ? request.uid : '';
  const version = versionOf(review);
  if (!version) {
    const asked = isRecord(review) ? String(review.apiVersion) : '';
    return answerIn('admission.k8s.io/v1', uid, false, 'error', [], { code: 400, message: `meshguard: unsupported AdmissionReview apiVersion '${asked}' (answers ${ADMISSION_VERSIONS.join(' and ')})` });
  }
  if (!request || uid === '') {
    return answerIn(version, uid, false, 'error', [], { code: 400, message: 'meshguard: the body is not an AdmissionReview (admission.k8s.io/v1 or v1beta1) with a request.uid' });
  }
  return undefined;
}

/** `unevaluated` for a raw review body, when no evaluation thread could answer it in time. */
export function unevaluatedReview(review: unknown, failurePolicy: FailurePolicy, why: string): AdmissionOutcome {
  const invalid = invalidReview(review);
  if (invalid) return invalid;
  const request = isRecord(review) && isRecord(review.request) ? review.request : {};
  const object = isRecord(request.object) ? request.object : {};
  const what = typeof object.kind === 'string' ? ` ${object.kind}/${isRecord(object.metadata) ? String(object.metadata.name ?? '') : ''}` : '';
  return unevaluated(versionOf(review) ?? 'admission.k8s.io/v1', typeof request.uid === 'string' ? request.uid : '', failurePolicy, `meshguard could not evaluate${what}: ${why}`);
}

function answerIn(
  apiVersion: AdmissionVersion,
  uid: string,
  allowed: boolean,
  outcome: AdmissionOutcome['outcome'],
  findings: Finding[],
  status?: { code: number; message: string; reason?: string },
  warnings: string[] = [],
): AdmissionOutcome {
  return {
    outcome,
    findings,
    review: {
      apiVersion,
      kind: 'AdmissionReview',
      response: { uid, allowed, ...(status ? { status } : {}), ...(warnings.length > 0 ? { warnings } : {}) },
    },
  };
}

function truncate(text: string): string {
  return shortenMiddle(text, MAX_WARNING_LENGTH);
}
