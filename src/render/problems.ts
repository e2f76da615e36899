import type { LoadProblem } from '../load/problems.js';
import type { RuleMeta } from '../model/types.js';

const DOCS = 'https://gitlab.com/meshguard/meshguard/-/blob/main/docs/rules';

export const RENDER_FAILED = 'render-failed';
export const RENDER_SKIPPED = 'render-skipped';

/** The rendering stage reports through these; metadata only, like the loader's own rules. */
export const RENDER_RULES: readonly RuleMeta[] = [
  {
    id: RENDER_FAILED,
    title: 'Kustomize build roots and Helm charts must render',
    description:
      'kustomize build (or helm template) failed or ran out of time on a build root or chart: what would be applied cannot be ' +
      'known, so it is not checked. The finding carries the tool\'s own message, at the file it names when it names one.',
    severity: 'error',
    helpUri: `${DOCS}/${RENDER_FAILED}.md`,
    tags: ['input', 'render'],
    appliesTo: { family: 'kubernetes' },
  },
  {
    id: RENDER_SKIPPED,
    title: 'Rendering was not possible here',
    description:
      'A build root or chart was not rendered: no kustomize/helm on PATH, or it needs a remote base that meshguard does not ' +
      'fetch. Its files are checked as written (patches are never read as whole resources).',
    severity: 'info',
    helpUri: `${DOCS}/${RENDER_SKIPPED}.md`,
    tags: ['input', 'render'],
    appliesTo: { family: 'kubernetes' },
  },
];

export function renderProblem(ruleId: typeof RENDER_FAILED | typeof RENDER_SKIPPED, messageId: string, message: string, file: string, range: LoadProblem['range']): LoadProblem {
  return { ruleId, messageId, severity: ruleId === RENDER_FAILED ? 'error' : 'info', message, file, range: { line: range.line, column: range.column, endLine: range.endLine, endColumn: range.endColumn } };
}
