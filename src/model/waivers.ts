import type { JsonPath, Resource } from './types.js';
import { perObject } from './memo.js';
import { podTemplateOf } from './workload.js';

export const WAIVER_PREFIX = 'waive.meshguard.io/';

/** A waiver annotation `waive.meshguard.io/<rule-id>: "<reason>; expires=YYYY-MM-DD"`, parsed. */
export interface Waiver {
  ruleId: string;
  reason: string;
  /** ISO date, when given. */
  expires?: string;
  /** The expiry part is present but not a valid YYYY-MM-DD date. */
  badExpiry?: string;
  /** Where the annotation is, for findings about the waiver itself. */
  path: JsonPath;
}

const collected: (resource: Resource) => readonly Waiver[] = perObject(collectWaivers);
const NONE: readonly Waiver[] = [];

/**
 * Waivers on the resource itself and on its pod template (where teams put pod-level annotations). Nearly
 * every resource has none: a scan of the keys tells, without a list or a cache entry per resource.
 */
export function waiversOf(resource: Resource): readonly Waiver[] {
  if (!hasWaiverKey(resource.annotations)) {
    const template = podTemplateOf(resource);
    if (!template || template.path.length === 0 || !hasWaiverKey(template.annotations)) return NONE;
  }
  return collected(resource);
}

function hasWaiverKey(annotations: Readonly<Record<string, string>>): boolean {
  for (const key in annotations) if (key.startsWith(WAIVER_PREFIX)) return true;
  return false;
}

/** Read once per resource: the engine (suppression) and the waiver rule (its checks) both ask. */
function collectWaivers(resource: Resource): Waiver[] {
  const waivers: Waiver[] = [];
  collect(resource.annotations, ['metadata', 'annotations'], waivers);
  const template = podTemplateOf(resource);
  if (template && template.path.length > 0) collect(template.annotations, [...template.path, 'metadata', 'annotations'], waivers);
  return waivers;
}

function collect(annotations: Readonly<Record<string, string>>, base: JsonPath, out: Waiver[]): void {
  for (const key of Object.keys(annotations)) {
    if (!key.startsWith(WAIVER_PREFIX)) continue;
    const value = annotations[key]!;
    out.push({ ruleId: key.slice(WAIVER_PREFIX.length), ...parseWaiverValue(value), path: [...base, key] });
  }
}

export function parseWaiverValue(value: string): { reason: string; expires?: string; badExpiry?: string } {
  const reasonParts: string[] = [];
  let expires: string | undefined;
  let badExpiry: string | undefined;
  for (const part of value.split(';')) {
    const trimmed = part.trim();
    const match = /^expires\s*=\s*(.*)$/i.exec(trimmed);
    if (match) {
      const date = match[1]!.trim();
      if (isIsoDate(date)) expires = date;
      else badExpiry = date;
    } else if (trimmed !== '') {
      reasonParts.push(trimmed);
    }
  }
  return { reason: reasonParts.join('; '), ...(expires ? { expires } : {}), ...(badExpiry !== undefined ? { badExpiry } : {}) };
}

function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** A waiver applies when it has a reason, a well-formed expiry (if any) and has not expired. */
export function isWaiverInForce(waiver: Waiver, today: string): boolean {
  if (waiver.reason === '' || waiver.badExpiry !== undefined) return false;
  return waiver.expires === undefined || waiver.expires >= today;
}
