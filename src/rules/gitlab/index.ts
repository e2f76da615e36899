import type { Rule } from '../rule.js';
import { gitlabComponentInputsRule } from './component-inputs.js';
import { gitlabImagePinnedRule } from './images.js';
import { gitlabDurationRule, gitlabJobRule, gitlabRulesIfRule } from './job-semantics.js';
import { gitlabNeedsRule, gitlabRulesOnlyExceptRule, gitlabStageRule } from './jobs.js';
import { gitlabMeshguardJobRule } from './meshguard-job.js';
import { gitlabCiSchemaRule } from './schema.js';
import { gitlabExtendsRule, gitlabReferenceRule } from './structure.js';
import { gitlabUnusedTemplateRule } from './templates.js';

/** The rules of the `gitlab-ci` family (the loader enforces gitlab-include and gitlab-duplicate-job). */
export const GITLAB_RULES: readonly Rule[] = [
  gitlabCiSchemaRule,
  gitlabExtendsRule,
  gitlabReferenceRule,
  gitlabStageRule,
  gitlabNeedsRule,
  gitlabRulesOnlyExceptRule,
  gitlabJobRule,
  gitlabDurationRule,
  gitlabRulesIfRule,
  gitlabUnusedTemplateRule,
  gitlabImagePinnedRule,
  gitlabMeshguardJobRule,
  gitlabComponentInputsRule,
];
