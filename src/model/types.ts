/**
 * The shared vocabulary of meshguard's pipeline:
 * load -> model (resources with source positions) -> inventory -> rules -> findings -> waivers/baseline -> reporters.
 * Every stage imports from here; nothing here imports from a stage.
 */

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/** A path into a JSON value: object keys and array indexes. */
export type JsonPath = ReadonlyArray<string | number>;

/** 1-based line and column, end exclusive-ish as editors expect (end points just past the node). */
export interface SourceRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /**
   * Set when the node lives in another file than the resource's own (a GitLab CI job merged in from a
   * local include); the finding is then reported in that file.
   */
  file?: string;
}

/** Which kind of file a document came from: rules declare the family they apply to. */
export type DocumentFamily = 'kubernetes' | 'gitlab-ci';

/** Identity of a Kubernetes object, as reporters and messages name it. */
export interface ResourceRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * Another resource a finding is about, with where it is written when meshguard knows (the engine fills the
 * position of resources of the tree; rules give it themselves when a name lookup would be ambiguous).
 */
export interface RelatedResource extends ResourceRef {
  file?: string;
  line?: number;
  column?: number;
}

/**
 * One object loaded from a file. For Kubernetes this is one manifest (List items are unwrapped);
 * for GitLab CI it is the whole pipeline document of one file.
 */
export interface Resource extends ResourceRef {
  /** Stable identity within a run: `<file>#<document index>[/<item index>]`. */
  readonly id: string;
  readonly family: DocumentFamily;
  /** The parsed object. Treat as read-only: rules share it. */
  readonly object: Readonly<Record<string, unknown>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly source: ResourceSource;
}

export interface ResourceSource {
  /** Repository-relative POSIX path, never starting with `./`. */
  readonly file: string;
  /** 0-based index of the YAML document in its file. */
  readonly documentIndex: number;
  /** Path from the document root to this object (non-empty for unwrapped List items). */
  readonly basePath: JsonPath;
  /**
   * Resolve a path inside `object` to the range of its YAML node. When the path does not exist
   * (a missing field), the range of the deepest existing ancestor is returned.
   */
  locate(path: JsonPath): SourceRange;
  /**
   * Resolve a 1-based line and column inside the multi-line string at `path` (a program embedded in
   * a manifest, such as a Gatekeeper template's Rego) to its position in the file; `locate(path)`
   * where that cannot be worked out.
   */
  locateInText?(path: JsonPath, line: number, column: number): SourceRange;
}

/** What a rule reports; the engine adds position, identity, severity and fingerprint. */
export interface ReportDescriptor {
  /** Path inside the resource's object of the offending node (most specific node possible). */
  path: JsonPath;
  message: string;
  /** Stable key for the kind of problem (e.g. `missingReason`), independent of the prose. */
  messageId: string;
  /** A line and column inside the string value at `path` (an error in embedded code), see `locateInText`. */
  textPosition?: { line: number; column: number };
  /** Overrides the rule's severity for this finding (e.g. a softer variant of the problem). */
  severity?: Severity;
  /** Other resources this finding is about (named in the message too). */
  related?: RelatedResource[];
  /**
   * The finding is about resources that are absent (no default-deny policy, no Sidecar yet). At
   * admission time such objects are often simply not created yet (a Namespace comes before its
   * Sidecar), so the webhook warns instead of denying: denying would deadlock the bootstrap.
   */
  missingCompanion?: boolean;
  /**
   * The rule itself excuses this finding (a conftest `exception`): reported as suppressed, so it
   * stays visible in reports without failing the run.
   */
  suppressed?: Suppression;
}

export interface Suppression {
  /** waiver: a `waive.meshguard.io/<rule>` annotation; baseline: already on the base revision; exception: a conftest exception rule. */
  kind: 'waiver' | 'baseline' | 'exception';
  justification: string;
  /** The waiver's expiry date (YYYY-MM-DD), when it has one. */
  expires?: string;
}

export interface Finding {
  ruleId: string;
  messageId: string;
  severity: Severity;
  message: string;
  /** Repository-relative POSIX path. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  resource?: ResourceRef;
  /** JSON pointer (RFC 6901) into the resource object; '' for the whole document. */
  path: string;
  related?: RelatedResource[];
  /** See ReportDescriptor.missingCompanion. */
  missingCompanion?: boolean;
  suppressed?: Suppression;
  /**
   * The views that produced the finding when the tree is checked as several inventories: rendered
   * overlays or charts, or clusters. One finding that several views agree on is reported once, naming them.
   */
  scopes?: FindingScopes;
  /** Stable across line moves, unique per finding: hash of rule, file, resource identity, path, messageId. */
  fingerprint: string;
}

export interface FindingScopes {
  kind: 'overlay' | 'chart' | 'cluster';
  names: string[];
}

/** Metadata every rule module carries next to its logic. */
export interface RuleMeta {
  /** kebab-case; usable inside an annotation key (`waive.meshguard.io/<id>`). */
  id: string;
  title: string;
  description: string;
  severity: Severity;
  helpUri: string;
  tags: readonly string[];
  /** Which documents the rule looks at; the engine only calls `check` for those. */
  appliesTo: {
    family: DocumentFamily;
    /** Kubernetes kinds; omitted = every kind of the family. */
    kinds?: readonly string[];
  };
  /** JSON Schema of the rule's `options` in `.meshguard.yaml` (validated when the config loads). */
  optionsSchema?: Record<string, unknown>;
}
