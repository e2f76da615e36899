import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Severity } from '../model/types.js';
import type { AdmissionOutcome } from './admission.js';

/** Prometheus metrics of one server, in their own registry so that tests and embedders stay isolated. */
export class AdmissionMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'meshguard_admission_requests_total',
    help: 'Admission requests by outcome (allowed, denied, warned, error, skipped, rejected).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly findings = new Counter({
    name: 'meshguard_admission_findings_total',
    help: 'Findings reported on admitted or denied objects, by rule and severity.',
    labelNames: ['rule', 'severity'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'meshguard_admission_duration_seconds',
    help: 'Time from the request body being read to the response being written.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'meshguard_' });
  }

  /** `findings`: rule id and severity of each finding (what crosses from the evaluation thread). */
  observe(outcome: AdmissionOutcome['outcome'] | 'rejected', seconds: number, findings: readonly (readonly [string, Severity])[] = []): void {
    this.requests.inc({ outcome });
    this.latency.observe(seconds);
    for (const [rule, severity] of findings) this.findings.inc({ rule, severity });
  }
}
