import { unevaluatedReview, type AdmissionOutcome, type AdmissionReviewer, type FailurePolicy } from './admission.js';
import { isRecord } from '../model/workload.js';

/** Messages from the server to an evaluation thread. */
export type ToWorker =
  /** `expiresAt`: epoch ms after which the review has been answered already and is not worth evaluating (Infinity: no deadline). */
  | { type: 'review'; id: number; body: Uint8Array; expiresAt: number }
  | { type: 'inventory' };

/**
 * What a review becomes on the wire, computed where the rules run. Strings and one flat array: the answer
 * crosses threads as a structured clone, and nested objects cost more to clone and collect on both sides.
 */
export interface AnswerBody {
  status: number;
  /** The response body, already serialized. */
  body: string;
  outcome: AdmissionOutcome['outcome'] | 'rejected';
  /** Rule id and severity of each finding, alternating: [rule, severity, rule, severity, ...]. */
  findings: string[];
  /** The fields of the request's log line, as a JSON object text. */
  log: string;
  /** With MESHGUARD_SERVE_STAGES only: posted, taken, parsed, evaluated, serialised, returned (see stages.ts). */
  stamps?: number[];
}

/** Messages from an evaluation thread to the server. */
export type FromWorker =
  /** `warmUp`: the reviews it made before taking traffic, and how long they took. */
  | { type: 'ready'; warmUp: { reviews: number; ms: number } }
  | { type: 'init-failed'; message: string }
  | ({ type: 'answer'; id: number } & AnswerBody)
  | { type: 'inventory'; resources: number; problems: number }
  | { type: 'inventory-failed'; error: string };

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Parse a request body and review it. Never throws: whatever the bytes are, the client gets an answer
 * (400 for a body that is not an AdmissionReview, 500 for a defect of ours).
 */
export function answerBody(reviewer: AdmissionReviewer, bytes: Uint8Array, stamps?: number[]): AnswerBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(bytes));
  } catch {
    return rejected(400, 'body is not valid JSON');
  }
  stamps?.push(epochNow());
  try {
    const result = reviewer(parsed);
    stamps?.push(epochNow());
    const request = isRecord(parsed) && isRecord(parsed.request) ? parsed.request : {};
    const object = isRecord(request.object) ? request.object : {};
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const findings: string[] = [];
    const ruleIds: string[] = [];
    for (const f of result.findings) {
      findings.push(f.ruleId, f.severity);
      ruleIds.push(f.ruleId);
    }
    return {
      status: result.review.response.status?.code === 400 ? 400 : 200,
      body: JSON.stringify(result.review),
      outcome: result.outcome,
      findings,
      log: JSON.stringify({
        uid: result.review.response.uid,
        operation: request.operation,
        dryRun: request.dryRun === true,
        kind: object.kind,
        namespace: request.namespace,
        name: metadata.name ?? request.name,
        outcome: result.outcome,
        allowed: result.review.response.allowed,
        findings: ruleIds,
      }),
    };
  } catch (error) {
    return rejected(500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function rejected(status: number, error: string): AnswerBody {
  return { status, body: JSON.stringify({ error }), outcome: 'rejected', findings: [], log: JSON.stringify({ error }) };
}

/** The answer to a review whose evaluation thread had to be stopped: per --failure-policy, in the version asked. */
export function unevaluatedAnswer(bytes: Uint8Array, failurePolicy: FailurePolicy, why: string): AnswerBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(bytes));
  } catch {
    return rejected(400, 'body is not valid JSON');
  }
  const result = unevaluatedReview(parsed, failurePolicy, why);
  return {
    status: result.review.response.status?.code === 400 ? 400 : 200,
    body: JSON.stringify(result.review),
    outcome: result.outcome,
    findings: [],
    log: JSON.stringify({ uid: result.review.response.uid, outcome: result.outcome, allowed: result.review.response.allowed, error: why }),
  };
}

/** A clock both threads share (each thread's performance.now() has its own origin). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
