import { YAMLSeq, isSeq, type CollectionTag } from 'yaml';
import { GitlabReference } from '../../model/gitlab/reference.js';

/**
 * `!reference [.job, key]` kept as a sequence node (so positions and `locate` work inside it) that
 * converts to a `GitlabReference` value instead of a plain array.
 */
class ReferenceSeq extends YAMLSeq {
  static tag = '!reference';

  constructor() {
    super();
    this.tag = ReferenceSeq.tag;
  }

  // yaml types toJSON as returning an array; a subclass may return any value (YAMLOMap returns a Map).
  override toJSON(_key?: unknown, ctx?: Parameters<YAMLSeq['toJSON']>[1]): any {
    return new GitlabReference(super.toJSON(_key, ctx) as unknown[]);
  }
}

export const referenceTag: CollectionTag = {
  tag: '!reference',
  collection: 'seq',
  default: false,
  nodeClass: ReferenceSeq,
  resolve(value, onError) {
    if (!isSeq(value)) {
      onError('!reference must be a sequence of keys, e.g. !reference [.setup, script]');
      return value;
    }
    return Object.assign(new ReferenceSeq(), value);
  },
};

/** Custom tags GitLab understands in CI files. */
export const GITLAB_CUSTOM_TAGS = [referenceTag];
