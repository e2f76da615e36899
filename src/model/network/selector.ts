import { isRecord } from '../workload.js';

/** `metav1.LabelSelector`: matchLabels AND every matchExpression. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: SelectorRequirement[];
  /** The selector as written could not be read (an unknown operator, a non-object): it matches nothing. */
  invalid: boolean;
}

export interface SelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** Automatic label the API server puts on every Namespace (k8s >= 1.21), so policies can name namespaces. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function parseLabelSelector(value: unknown): LabelSelector {
  const selector: LabelSelector = { matchLabels: {}, matchExpressions: [], invalid: false };
  if (value === undefined || value === null) return selector;
  if (!isRecord(value)) return { ...selector, invalid: true };
  if (isRecord(value.matchLabels)) {
    for (const [k, v] of Object.entries(value.matchLabels)) {
      if (typeof v === 'string') selector.matchLabels[k] = v;
      else selector.invalid = true;
    }
  }
  if (Array.isArray(value.matchExpressions)) {
    for (const raw of value.matchExpressions) {
      const operator = isRecord(raw) ? raw.operator : undefined;
      if (!isRecord(raw) || typeof raw.key !== 'string' || typeof operator !== 'string' || !OPERATORS.has(operator)) {
        selector.invalid = true;
        continue;
      }
      const values = Array.isArray(raw.values) ? raw.values.filter((v): v is string => typeof v === 'string') : [];
      selector.matchExpressions.push({ key: raw.key, operator: operator as SelectorRequirement['operator'], values });
    }
  }
  return selector;
}

/** `{}` (or a missing selector where the API treats it as `{}`): selects everything. */
export function isEmptySelector(selector: LabelSelector): boolean {
  return !selector.invalid && Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  if (selector.invalid) return false;
  for (const [key, value] of Object.entries(selector.matchLabels)) if (labels[key] !== value) return false;
  return selector.matchExpressions.every((requirement) => requirementMatches(requirement, labels));
}

function requirementMatches(requirement: SelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'In':
      return has && requirement.values.includes(value!);
    case 'NotIn':
      // apimachinery: NotIn is satisfied by objects that lack the key altogether.
      return !has || !requirement.values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/**
 * The only values a selector allows for `key`, when it pins the key to a finite set
 * (matchLabels, or an `In` expression); undefined when any value (or absence) may pass.
 */
export function pinnedValues(selector: LabelSelector, key: string): string[] | undefined {
  if (selector.invalid) return [];
  let allowed: string[] | undefined;
  const narrow = (values: string[]): void => {
    allowed = allowed === undefined ? [...values] : allowed.filter((v) => values.includes(v));
  };
  if (selector.matchLabels[key] !== undefined) narrow([selector.matchLabels[key]!]);
  for (const requirement of selector.matchExpressions) {
    if (requirement.key === key && requirement.operator === 'In') narrow(requirement.values);
  }
  return allowed;
}

/** Human-readable form for messages: `app=zk,tier In (a, b)`; `{}` for the empty selector. */
export function describeSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions) {
    parts.push(r.operator === 'Exists' ? r.key : r.operator === 'DoesNotExist' ? `!${r.key}` : `${r.key} ${r.operator} (${r.values.join(', ')})`);
  }
  return parts.length === 0 ? '{}' : parts.join(',');
}
