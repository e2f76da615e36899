import { isPlainObject } from '../../model/gitlab/pipeline.js';
import type { LoadProblem } from '../problems.js';
import type { PositionedDocument } from '../yaml.js';
import { includeEntries, type IncludeEntry } from './include.js';
import { parseGitlabYaml } from './libyaml.js';

/** One CI file, parsed the way GitLab reads it. */
export interface CiFile {
  path: string;
  /** The component header (`spec:` then `---`), when the file has one. */
  header?: PositionedDocument;
  /** The pipeline document; absent when the file is empty, broken or not a map. */
  pipeline?: PositionedDocument & { value: Record<string, unknown> };
  includes: IncludeEntry[];
  /** Hidden keys whose value carries a YAML anchor (`.tmpl: &tmpl`). */
  anchoredKeys: Set<string>;
  /** YAML problems, as `yaml-syntax` findings. */
  problems: LoadProblem[];
}

export function parseCiFile(path: string, text: string): CiFile {
  const { documents, problems } = parseGitlabYaml(text);
  const file: CiFile = {
    path,
    includes: [],
    anchoredKeys: anchoredHiddenKeys(text),
    problems: problems.map((p) => ({
      ruleId: 'yaml-syntax',
      messageId: p.code,
      severity: p.severity,
      message: p.documentIndex > 0 ? `${p.message} (document ${p.documentIndex + 1})` : p.message,
      file: path,
      range: p.range,
    })),
  };
  const present = documents.filter((d) => d.value !== null && d.value !== undefined);
  // A component: the first document holds only `spec:`, the pipeline follows the `---`
  // (docs: ci/components "spec:inputs" header). `$[[ inputs.x ]]` stays as written.
  const first = present[0];
  let pipeline = first;
  if (first && isPlainObject(first.value) && Object.keys(first.value).length === 1 && 'spec' in first.value && documents.length > 1) {
    file.header = first;
    pipeline = present[1];
  }
  if (pipeline && isPlainObject(pipeline.value)) {
    file.pipeline = pipeline as CiFile['pipeline'];
    file.includes = includeEntries(pipeline.value);
  } else if (pipeline) {
    // GitLab: "Invalid configuration format". No resource is built, so the loader says it.
    file.problems.push({
      ruleId: 'gitlab-ci-schema',
      messageId: 'wrongType',
      severity: 'error',
      message: `a GitLab CI file must be a map of jobs and keywords, found ${Array.isArray(pipeline.value) ? 'a list' : 'a single value'}`,
      file: path,
      range: pipeline.range,
    });
  }
  return file;
}

/**
 * The parsed value no longer shows anchors, yet `<<: *tmpl` is how many teams use hidden jobs:
 * a top-level hidden key whose value is anchored counts as used.
 */
function anchoredHiddenKeys(text: string): Set<string> {
  const keys = new Set<string>();
  // Keys may be quoted and hold spaces or colons (`.build: linux`, `".test linux"`).
  for (const match of text.matchAll(/^(?:"(\.[^"\n]*)"|'(\.[^'\n]*)'|(\.[^\n#]*?))[ \t]*:[ \t]+&/gm)) {
    keys.add((match[1] ?? match[2] ?? match[3])!);
  }
  return keys;
}
