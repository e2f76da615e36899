export { RULE_DOCS_BASE, ruleDocsUri } from '../model/rule-docs.js';
