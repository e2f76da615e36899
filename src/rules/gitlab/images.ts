import { GLOBAL_KEYWORDS, isPlainObject } from '../../model/gitlab/pipeline.js';
import type { JsonPath } from '../../model/types.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

interface ImageOptions {
  requireDigest: boolean;
  allowLatest: boolean;
}

/**
 * `image:` and `services:` must name an exact version: `latest` and a missing tag (which means
 * `latest`) change under the pipeline without a commit.
 */
export const gitlabImagePinnedRule: Rule = {
  meta: {
    id: 'gitlab-image-pinned',
    title: 'CI images are pinned by tag or digest',
    description:
      'Every `image` and `services` entry (global, default, jobs, templates) names a tag other than `latest`, or a digest; with `requireDigest` a digest is required.',
    severity: 'warning',
    helpUri: ruleDocsUri('gitlab-image-pinned'),
    tags: ['gitlab', 'policy', 'supply-chain'],
    appliesTo: { family: 'gitlab-ci' },
    optionsSchema: {
      type: 'object',
      properties: {
        requireDigest: { type: 'boolean', description: 'Require @sha256:... on every image.' },
        allowLatest: { type: 'boolean', description: 'Accept the latest tag (and a missing tag).' },
      },
      additionalProperties: false,
    },
  },
  check(resource, context) {
    const options: ImageOptions = { requireDigest: context.options.requireDigest === true, allowLatest: context.options.allowLatest === true };
    const pipeline = resource.object;
    const checkImage = (value: unknown, path: JsonPath): void => {
      const name = typeof value === 'string' ? value : isPlainObject(value) && typeof value.name === 'string' ? value.name : undefined;
      if (name === undefined) return;
      const at = typeof value === 'string' ? path : [...path, 'name'];
      const problem = imageProblem(name, options);
      if (problem) context.report({ path: at, ...problem });
    };
    const checkHolder = (holder: unknown, path: JsonPath): void => {
      if (!isPlainObject(holder)) return;
      if ('image' in holder) checkImage(holder.image, [...path, 'image']);
      if (Array.isArray(holder.services)) holder.services.forEach((s, i) => checkImage(s, [...path, 'services', i]));
    };
    checkHolder(pipeline, []);
    checkHolder(pipeline.default, ['default']);
    for (const [name, job] of Object.entries(pipeline)) if (!GLOBAL_KEYWORDS.has(name)) checkHolder(job, [name]);
  },
};

/** Images of GitLab-hosted macOS runners (docs: ci/runners/hosted_runners/macos "Supported macOS images"). */
const RUNNER_VM_IMAGE = /^macos-\d+-xcode-\d+$/;

function imageProblem(image: string, options: ImageOptions): { messageId: string; message: string } | undefined {
  // Variables and component inputs are resolved at run time: nothing to judge here.
  if (image.includes('$')) return undefined;
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  // GitLab-hosted macOS runners take a VM image name, not a container reference: nothing to tag.
  if (RUNNER_VM_IMAGE.test(image)) return undefined;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : undefined;
  if (tag === undefined && !options.allowLatest) {
    return { messageId: 'missingTag', message: `image '${image}' has no tag, so it pulls 'latest': pin a version (or a digest)` };
  }
  if (tag === 'latest' && !options.allowLatest) {
    return { messageId: 'latestTag', message: `image '${image}' uses the moving 'latest' tag: pin a version (or a digest)` };
  }
  if (options.requireDigest) {
    return { messageId: 'missingDigest', message: `image '${image}' is not pinned by digest (requireDigest): append @sha256:<digest>` };
  }
  return undefined;
}
