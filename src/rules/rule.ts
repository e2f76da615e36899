import type { MeshSettings } from '../model/mesh-settings.js';
import type { ClusterContext } from '../model/clusters.js';
import type { Inventory } from '../model/inventory.js';
import type { ReportDescriptor, Resource, RuleMeta } from '../model/types.js';

/** What a rule sees besides the resource: the whole tree and the settings. Rules never do I/O. */
export interface RuleContext {
  readonly inventory: Inventory;
  readonly mesh: MeshSettings;
  /** This rule's `options` from `.meshguard.yaml`, already validated against `meta.optionsSchema`. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Evaluation date (ISO yyyy-mm-dd), injectable so that expiry logic is testable. */
  readonly today: string;
  /** Ids of every rule meshguard knows (enabled or not), e.g. to validate waiver annotations. */
  readonly knownRuleIds: ReadonlySet<string>;
  /**
   * In merge-request mode (`--baseline <ref>`), the resources of the base revision: rules that guard
   * against regressions (an mTLS mode that got weaker) compare head with it. Undefined otherwise.
   */
  readonly baseline?: Inventory;
  /** The git ref the baseline was read from, as the user named it (for messages). */
  readonly baselineRef?: string;
  /** Multi-cluster mode (`clusters:` in the configuration): this cluster and the others. Undefined otherwise. */
  readonly cluster?: ClusterContext;
  report(descriptor: ReportDescriptor): void;
}

export interface Rule {
  readonly meta: RuleMeta;
  /** Called once per resource matching `meta.appliesTo`. */
  check(resource: Resource, context: RuleContext): void;
}
