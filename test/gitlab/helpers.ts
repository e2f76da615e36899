import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { resolveRuleSettings } from '../../src/engine/settings.js';
import { GITLAB_CUSTOM_TAGS } from '../../src/load/gitlab/tags.js';
import { WHOLE_FILE } from '../../src/load/problems.js';
import { parseYaml } from '../../src/load/yaml.js';
import type { Finding, Resource } from '../../src/model/types.js';
import { BUILTIN_RULES, allRuleMetas } from '../../src/rules/registry.js';

const metas = allRuleMetas();
const settings = resolveRuleSettings(DEFAULT_CONFIG, metas);

/** Parse a CI text (YAML or JSON) as the loader does: `!reference` tag, merge keys. */
export function parseCorpusFile(text: string): Record<string, unknown> {
  const { documents, problems } = parseYaml(text, { customTags: GITLAB_CUSTOM_TAGS });
  if (problems.some((p) => p.severity === 'error')) throw new Error(problems.map((p) => p.message).join('; '));
  return (documents[0]?.value ?? {}) as Record<string, unknown>;
}

/** Run every built-in gitlab-ci rule on an in-memory pipeline (no positions: whole-file ranges). */
export function lintPipelineObject(object: Record<string, unknown>): Finding[] {
  const resource: Resource = {
    id: 'memory#0',
    family: 'gitlab-ci',
    apiVersion: 'gitlab.com/ci',
    kind: 'Pipeline',
    name: 'memory',
    object,
    labels: {},
    annotations: {},
    source: { file: '.gitlab-ci.yml', documentIndex: 0, basePath: [], locate: () => WHOLE_FILE },
  };
  return evaluate({ resources: [resource], problems: [], rules: BUILTIN_RULES, knownRules: metas, settings, mesh: DEFAULT_CONFIG.mesh, today: '2026-11-26' }).findings;
}
