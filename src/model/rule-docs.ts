/**
 * Where each rule's documentation lives: `docs/rules/<id>.md` in the repository. In the model layer
 * because the loader's own rules (YAML, GitLab includes) link to their pages too, and the loader
 * must not import the rules layer above it.
 */
export const RULE_DOCS_BASE = 'https://gitlab.com/meshguard/meshguard/-/blob/main/docs/rules';

export function ruleDocsUri(id: string): string {
  return `${RULE_DOCS_BASE}/${id}.md`;
}
