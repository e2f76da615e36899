import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AdmissionOutcome } from './admission.js';

/** Prometheus metrics of one server, in their own registry so that tests and embedders stay isolated. */
export class AdmissionMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'meshguard_admission_requests_total',
    help: 'Admission requests by outcome (allowed, denied, warned, error, skipped, rejected).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
    collect: () => this.flushRequests(),
  });
  private readonly findings = new Counter({
    name: 'meshguard_admission_findings_total',
    help: 'Findings reported on admitted or denied objects, by rule and severity.',
    labelNames: ['rule', 'severity'] as const,
    registers: [this.registry],
    collect: () => this.flushFindings(),
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

  /**
   * Counts since the last scrape, added to the counters when they are collected: prom-client hashes the
   * labels on every increment (observe with two findings: 0.97 us that way, 0.24 us this way).
   */
  private readonly pendingRequests = new Map<string, number>();
  private readonly pendingFindings = new Map<string, Map<string, number>>();

  /** `findings`: rule id and severity of each finding, alternating (what crosses from the evaluation thread). */
  observe(outcome: AdmissionOutcome['outcome'] | 'rejected', seconds: number, findings: readonly string[] = []): void {
    this.pendingRequests.set(outcome, (this.pendingRequests.get(outcome) ?? 0) + 1);
    this.latency.observe(seconds);
    for (let i = 0; i + 1 < findings.length; i += 2) {
      const rule = findings[i]!;
      let bySeverity = this.pendingFindings.get(rule);
      if (!bySeverity) this.pendingFindings.set(rule, (bySeverity = new Map()));
      bySeverity.set(findings[i + 1]!, (bySeverity.get(findings[i + 1]!) ?? 0) + 1);
    }
  }

  private flushRequests(): void {
    for (const [outcome, count] of this.pendingRequests) this.requests.inc({ outcome }, count);
    this.pendingRequests.clear();
  }

  private flushFindings(): void {
    for (const [rule, bySeverity] of this.pendingFindings) for (const [severity, count] of bySeverity) this.findings.inc({ rule, severity }, count);
    this.pendingFindings.clear();
  }
}
