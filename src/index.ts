export type * from './model/types.js';
export { Inventory } from './model/inventory.js';
export type { Rule, RuleContext } from './rules/rule.js';
export type { MeshguardConfig, MeshSettings } from './config/types.js';
