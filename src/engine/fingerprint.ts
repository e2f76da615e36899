import { createHash } from 'node:crypto';
import type { Finding } from '../model/types.js';


/**
 * Fingerprints must survive lines moving (GitLab diffs head against base by fingerprint) and be unique
 * per finding (GitLab collapses duplicates): so hash identity, never positions.
 */
export function fingerprintOf(finding: Omit<Finding, 'fingerprint'>): string {
  const r = finding.resource;
  const identity = r ? `${r.apiVersion}|${r.kind}|${r.namespace ?? ''}|${r.name}` : '';
  // A file-level finding has no resource or path to tell it apart; its message is the most stable identity left.
  const discriminator = r ? '' : finding.message;
  return createHash('sha256')
    .update([finding.ruleId, finding.messageId, finding.file, identity, finding.path, discriminator].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

/** Two findings with the same identity (e.g. two bad ports at one path) get an occurrence suffix, in order. */
export function assignFingerprints(findings: Omit<Finding, 'fingerprint'>[]): Finding[] {
  const seen = new Map<string, number>();
  return findings.map((finding) => {
    const base = fingerprintOf(finding);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    const fingerprint = count === 0 ? base : createHash('sha256').update(`${base}:${count}`).digest('hex').slice(0, 32);
    return { ...finding, fingerprint };
  });
}
