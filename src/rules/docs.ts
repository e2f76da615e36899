/** Where each rule's documentation lives: `docs/rules/<id>.md` in the repository. */
export const RULE_DOCS_BASE = 'https://gitlab.com/meshguard/meshguard/-/blob/main/docs/rules';

export function ruleDocsUri(id: string): string {
  return `${RULE_DOCS_BASE}/${id}.md`;
}
