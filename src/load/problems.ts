import type { RuleMeta, Severity, SourceRange } from '../model/types.js';

/**
 * Problems found while reading and parsing files. They become findings like any rule's, so a broken
 * file is reported with a location instead of stopping the run.
 */
export interface LoadProblem {
  ruleId: string;
  messageId: string;
  severity: Severity;
  message: string;
  file: string;
  range: SourceRange;
}

const DOCS = 'https://gitlab.com/meshguard/meshguard/-/blob/main/docs/rules';

/** The rules that the loader itself enforces: metadata only, the loader produces their findings. */
export const LOAD_RULES: readonly RuleMeta[] = [
  {
    id: 'yaml-syntax',
    title: 'YAML must parse cleanly',
    description:
      'Syntax errors, duplicate keys, tabs used as indentation, unknown tags, alias bombs and excessive nesting. ' +
      'kubectl and Istio would reject or silently reinterpret such a document.',
    severity: 'error',
    helpUri: `${DOCS}/yaml-syntax.md`,
    tags: ['input'],
    appliesTo: { family: 'kubernetes' },
  },
  {
    id: 'input-unreadable',
    title: 'Input files must be readable text',
    description: 'Binary files, invalid UTF-8, files over the size limit and files that cannot be read.',
    severity: 'error',
    helpUri: `${DOCS}/input-unreadable.md`,
    tags: ['input'],
    appliesTo: { family: 'kubernetes' },
  },
  {
    id: 'helm-template',
    title: 'Render templates before linting',
    description:
      'The file contains Go template actions ({{ ... }}): it is a Helm/Go template, not a manifest. ' +
      'Render it (helm template, kustomize build) and lint the output.',
    severity: 'warning',
    helpUri: `${DOCS}/helm-template.md`,
    tags: ['input'],
    appliesTo: { family: 'kubernetes' },
  },
  {
    id: 'not-kubernetes',
    title: 'Document is not a Kubernetes object',
    description:
      'A YAML/JSON document without apiVersion and kind. Ignored unless `reportNonKubernetes` is set.',
    severity: 'info',
    helpUri: `${DOCS}/not-kubernetes.md`,
    tags: ['input'],
    appliesTo: { family: 'kubernetes' },
  },
];

export const WHOLE_FILE: SourceRange = { line: 1, column: 1, endLine: 1, endColumn: 1 };
