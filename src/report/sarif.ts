import type { Finding, RuleMeta, Severity, Suppression } from '../model/types.js';
import { describedRules, repoPath, resourceLabel } from './common.js';
import type { ReportInput } from './types.js';

const SRCROOT = '%SRCROOT%';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** `mtls-strict` -> `MtlsStrict`: SARIF's `name` is an identifier-like, human-readable rule name. */
function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * A repository path as a relative URI reference: each segment percent-encoded, so spaces, `#`, `%`
 * and a `:` in the first segment (which would read as a scheme) survive consumers that parse URIs.
 */
function relativeUri(file: string): string {
  return repoPath(file).split('/').map(encodeURIComponent).join('/');
}

function ruleDescriptor(rule: RuleMeta): Record<string, unknown> {
  const helpLink = rule.helpUri ? `\n\nSee ${rule.helpUri}` : '';
  const markdownLink = rule.helpUri ? `\n\n[Rule documentation](${rule.helpUri})` : '';
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: { text: `${rule.description}${helpLink}`, markdown: `**${rule.title}**\n\n${rule.description}${markdownLink}` },
    // An empty helpUri would fail the schema's `format: uri`; synthesised rules have none.
    ...(rule.helpUri ? { helpUri: rule.helpUri } : {}),
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { tags: [...rule.tags] },
  };
}

/** Waivers live in the manifest (inSource); the baseline is a file beside the sources (external). */
function suppression(s: Suppression): Record<string, unknown> {
  return {
    kind: s.kind === 'waiver' ? 'inSource' : 'external',
    status: 'accepted',
    justification: s.justification,
    ...(s.expires ? { properties: { expires: s.expires } } : {}),
  };
}

function result(finding: Finding, ruleIndex: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ruleId: finding.ruleId,
    ruleIndex,
    level: LEVEL[finding.severity],
    message: { text: finding.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: relativeUri(finding.file), uriBaseId: SRCROOT },
          region: { startLine: finding.line, startColumn: finding.column, endLine: finding.endLine, endColumn: finding.endColumn },
        },
        // The resource is the logical thing at fault; SARIF names `resource` as a logical location kind.
        ...(finding.resource
          ? { logicalLocations: [{ name: finding.resource.name, fullyQualifiedName: resourceLabel(finding.resource), kind: 'resource' }] }
          : {}),
      },
    ],
    // GitHub's primaryLocationLineHash is a hash of the source line text, which reporters do not have;
    // github/codeql-action/upload-sarif computes it from the checkout when it is absent.
    partialFingerprints: { 'meshguard/v1': finding.fingerprint },
    properties: {
      messageId: finding.messageId,
      path: finding.path,
      ...(finding.related?.length ? { related: finding.related.map(resourceLabel) } : {}),
    },
  };
  // The other half of a cross-resource finding, as SARIF viewers link it (§3.27.22).
  const located = (finding.related ?? []).filter((r) => r.file !== undefined && r.line !== undefined);
  if (located.length > 0) {
    out.relatedLocations = located.map((r, id) => ({
      id,
      physicalLocation: {
        artifactLocation: { uri: relativeUri(r.file!), uriBaseId: SRCROOT },
        region: { startLine: r.line, ...(r.column !== undefined ? { startColumn: r.column } : {}) },
      },
      message: { text: resourceLabel(r) },
    }));
  }
  if (finding.suppressed) out.suppressions = [suppression(finding.suppressed)];
  return out;
}

/** SARIF 2.1.0, one run; every finding is a result, suppressed ones carry `suppressions`. */
export function renderSarif(input: ReportInput): string {
  const rules = describedRules(input);
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: input.tool.name,
            version: input.tool.version,
            informationUri: input.tool.informationUri,
            rules: rules.map(ruleDescriptor),
          },
        },
        // Category only (trailing slash, no run id): GitHub keys analyses by it, and output stays deterministic.
        automationDetails: { id: `${input.tool.name}/` },
        // The root is not known to the reporter (and an absolute path would break determinism);
        // an entry without `uri` tells consumers the base must be supplied, e.g. the checkout root.
        originalUriBaseIds: { [SRCROOT]: { description: { text: 'The repository root the paths are relative to.' } } },
        columnKind: 'unicodeCodePoints',
        results: input.findings.map((finding) => result(finding, index.get(finding.ruleId) ?? -1)),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
