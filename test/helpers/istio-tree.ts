import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { parseSourceText } from '../../src/load/index.js';
import { Inventory } from '../../src/model/inventory.js';
import type { Resource } from '../../src/model/types.js';

/** Parse inline YAML documents into resources and their inventory, as the loader would. */
export function tree(yaml: string): { resources: Resource[]; inventory: Inventory } {
  const { resources } = parseSourceText({ path: 'tree.yaml', text: yaml }, DEFAULT_CONFIG);
  return { resources, inventory: new Inventory(resources) };
}

export function find(resources: readonly Resource[], kind: string, name: string): Resource {
  const found = resources.find((r) => r.kind === kind && r.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the tree`);
  return found;
}
