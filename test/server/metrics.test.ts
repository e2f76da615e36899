import { describe, expect, it } from 'vitest';
import { AdmissionMetrics } from '../../src/server/metrics.js';

const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('admission metrics', () => {
  it('counts every review and finding, across scrapes, as if each had been counted as it came', async () => {
    const metrics = new AdmissionMetrics();
    metrics.observe('denied', 0.002, ['injection-labels', 'error', 'mtls-strict', 'warning']);
    metrics.observe('warned', 0.0004, ['mtls-strict', 'warning']);
    metrics.observe('rejected', 0.03);
    let text = await metrics.registry.metrics();
    expect(value(text, 'meshguard_admission_requests_total{outcome="denied"}')).toBe(1);
    expect(value(text, 'meshguard_admission_requests_total{outcome="warned"}')).toBe(1);
    expect(value(text, 'meshguard_admission_requests_total{outcome="rejected"}')).toBe(1);
    expect(value(text, 'meshguard_admission_findings_total{rule="mtls-strict",severity="warning"}')).toBe(2);
    expect(value(text, 'meshguard_admission_findings_total{rule="injection-labels",severity="error"}')).toBe(1);
    expect(value(text, 'meshguard_admission_duration_seconds_count')).toBe(3);
    expect(value(text, 'meshguard_admission_duration_seconds_bucket{le="0.0005"}')).toBe(1);

    metrics.observe('denied', 0.001, ['injection-labels', 'error']);
    text = await metrics.registry.metrics();
    expect(value(text, 'meshguard_admission_requests_total{outcome="denied"}')).toBe(2);
    expect(value(text, 'meshguard_admission_findings_total{rule="injection-labels",severity="error"}')).toBe(2);
    expect(value(text, 'meshguard_admission_findings_total{rule="mtls-strict",severity="warning"}')).toBe(2);
    // A scrape with nothing new changes nothing.
    expect(value(await metrics.registry.metrics(), 'meshguard_admission_requests_total{outcome="denied"}')).toBe(2);
  });
});
