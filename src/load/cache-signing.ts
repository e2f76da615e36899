import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The environment variable holding the secret that signs `--cache` entries. In GitLab it is meant to be
 * a protected, masked CI/CD variable: pipelines of protected branches have it, merge-request pipelines of
 * forks and unprotected branches do not, so they cannot produce entries that a protected pipeline accepts.
 */
export const CACHE_KEY_VARIABLE = 'MESHGUARD_CACHE_KEY';

/**
 * HMAC-SHA256 over cache entries. Both caches sign and verify through this one class so that a parse
 * entry can never be passed off as a rule result (or the reverse): every payload starts with its purpose.
 */
export class CacheSigner {
  private readonly secret: Buffer;

  constructor(secret: string) {
    this.secret = Buffer.from(secret, 'utf8');
  }

  sign(purpose: string, payload: string): string {
    return createHmac('sha256', this.secret).update(purpose).update('\u0000').update(payload).digest('base64');
  }

  verify(purpose: string, payload: string, signature: unknown): boolean {
    if (typeof signature !== 'string') return false;
    const expected = Buffer.from(this.sign(purpose, payload), 'base64');
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
