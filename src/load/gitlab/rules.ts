import type { RuleMeta } from '../../model/types.js';
import { ruleDocsUri } from '../../model/rule-docs.js';

/** Rules the GitLab loader enforces while it reads and merges include trees: metadata only. */
export const GITLAB_LOAD_RULES: readonly RuleMeta[] = [
  {
    id: 'gitlab-include',
    title: 'Local includes exist inside the repository',
    description:
      'Each `include: local` file exists, stays inside the repository, ends in .yml/.yaml and is not included in a circle; ' +
      'remote, project, component and template includes are reported (info) because meshguard does not fetch them.',
    severity: 'error',
    helpUri: ruleDocsUri('gitlab-include'),
    tags: ['gitlab', 'include'],
    appliesTo: { family: 'gitlab-ci' },
  },
  {
    id: 'gitlab-duplicate-job',
    title: 'A job is defined in one file of the include tree',
    description:
      'When two files of one pipeline define the same job, GitLab silently deep-merges them and the later file wins key by key.',
    severity: 'warning',
    helpUri: ruleDocsUri('gitlab-duplicate-job'),
    tags: ['gitlab', 'include'],
    appliesTo: { family: 'gitlab-ci' },
  },
];
