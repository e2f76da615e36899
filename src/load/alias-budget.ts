/**
 * The one alias budget of every YAML path (js-yaml, `yaml`, GitLab CI): a document may expand to at most
 * this many nodes once every alias is replaced by what it names. Both parsers share aliased values
 * instead of copying them, so a "billion laughs" file costs nothing until something walks or serialises
 * the value (rules, the parse cache's JSON.stringify: "Invalid string length"); this is measured before.
 * A million nodes is ~100x the largest real manifest document seen (a Kubeflow CRD, ~20,000 nodes).
 */
export const MAX_EXPANDED_NODES = 1_000_000;

/**
 * Whether `value`, with shared (aliased) sub-values counted each time they appear, stays within the
 * budget. Linear in the number of distinct objects: each one's expanded size is computed once (an
 * explicit stack, no recursion on input depth).
 */
export function withinAliasBudget(value: unknown, budget = MAX_EXPANDED_NODES): boolean {
  if (value === null || typeof value !== 'object') return true;
  const sizes = new Map<object, number>();
  // Post-order over the DAG: a node's size is known once all of its children's are.
  const stack: { node: object; expanded: boolean }[] = [{ node: value, expanded: false }];
  const onStack = new Set<object>();
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (sizes.has(top.node)) {
      stack.pop();
      continue;
    }
    const children = Array.isArray(top.node) ? (top.node as unknown[]) : Object.values(top.node);
    if (!top.expanded) {
      top.expanded = true;
      onStack.add(top.node);
      for (const child of children) {
        if (child !== null && typeof child === 'object' && !sizes.has(child)) {
          // A value that contains itself expands without end.
          if (onStack.has(child)) return false;
          stack.push({ node: child, expanded: false });
        }
      }
      continue;
    }
    let size = 1;
    for (const child of children) size += child !== null && typeof child === 'object' ? sizes.get(child)! : 1;
    if (size > budget) return false;
    sizes.set(top.node, size);
    onStack.delete(top.node);
    stack.pop();
  }
  return true;
}

export const ALIAS_EXPANSION_MESSAGE = 'too many alias expansions: the document looks like a YAML "billion laughs" bomb';
