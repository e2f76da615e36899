/**
 * meshguard's library API: what a platform's own tooling or webhook imports.
 * The CLI is a thin layer over the same functions.
 */
export type * from './model/types.js';
export { SEVERITY_RANK } from './model/types.js';
export { Inventory } from './model/inventory.js';
export type { Rule, RuleContext } from './rules/rule.js';
export { BUILTIN_RULES, allRuleMetas } from './rules/registry.js';
export type { MeshguardConfig, MeshSettings } from './config/types.js';
export { DEFAULT_CONFIG, DEFAULT_MESH_SETTINGS } from './config/types.js';
export { loadConfig, parseConfig, ConfigError } from './config/load.js';
export { runCheck, defaultRules, type CheckRequest, type CheckResult } from './check.js';
export { loadPolicyRules, gatekeeperRules, shippedPolicyRules, type PolicyOptions } from './policy/index.js';
export { evaluate } from './engine/evaluate.js';
export { renderReport, REPORT_FORMATS, type ReportFormat, type ReportInput } from './report/index.js';
export {
  reviewAdmission,
  createAdmissionReviewer,
  formatFinding,
  type AdmissionOptions,
  type AdmissionReviewResponse,
  type AdmissionReviewer,
} from './server/admission.js';
export { startAdmissionServer, type ServeOptions } from './server/server.js';
