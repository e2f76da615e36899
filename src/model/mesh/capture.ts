import { parseCidr, type Cidr } from '../network/cidr.js';
import { describePorts, portSetRanges, type PortSet } from '../network/ports.js';
import { perObject } from '../memo.js';
import type { JsonPath } from '../types.js';
import { isRecord, type PodTemplate } from '../workload.js';

/** meshguard's contract: why this workload's traffic may skip the sidecar, on the pod template. */
export const CAPTURE_BYPASS_REASON = 'meshguard.io/capture-bypass-reason';

const TRAFFIC = 'traffic.sidecar.istio.io/';
export const INTERCEPTION_MODE = 'sidecar.istio.io/interceptionMode';
/** istio-iptables exempts traffic of this UID (the proxy's own) from outbound redirection. */
export const PROXY_UID = 1337;

export type BypassSwitch =
  | 'excludeInboundPorts'
  | 'includeInboundPorts'
  | 'excludeOutboundPorts'
  | 'excludeOutboundIPRanges'
  | 'includeOutboundIPRanges'
  | 'excludeInterfaces'
  | 'kubevirtInterfaces'
  | 'interceptionMode'
  | 'runAsUser';

/** One way in which some of a pod's traffic escapes the sidecar. */
export interface CaptureBypass {
  switch: BypassSwitch;
  direction: 'inbound' | 'outbound' | 'both';
  /** TCP ports that escape (Istio redirects TCP only; UDP is never captured to begin with). */
  ports: PortSet;
  /** Outbound bypass by destination: these blocks (`only`) or everything but them (`allExcept`). */
  destinations?: { kind: 'only' | 'allExcept'; cidrs: Cidr[] };
  /** Interface bypass: traffic on these interfaces is not redirected at all. */
  interfaces?: string[];
  /** Containers running as the proxy's UID. */
  containers?: string[];
  /** The annotation (or `runAsUser` field) that causes the bypass. */
  path: JsonPath;
  /** `inbound ports 5701, 2181`, for messages. */
  description: string;
}

/** A value the injector rejects: injection fails and the pod is not created (pkg/kube/inject validate.go). */
export interface CaptureProblem {
  annotation: string;
  path: JsonPath;
  /** The offending list element (or the whole value). */
  token: string;
  expected: 'port' | 'cidr' | 'interceptionMode';
}

export interface CaptureAnalysis {
  bypasses: CaptureBypass[];
  problems: CaptureProblem[];
}

const ALL: PortSet = { kind: 'allExcept', ports: [] };

/** Read every capture annotation of a pod template the way Istio's injector and istio-iptables do. */
export const captureOf: (template: PodTemplate) => CaptureAnalysis = perObject(deriveCapture);

function deriveCapture(template: PodTemplate): CaptureAnalysis {
  const bypasses: CaptureBypass[] = [];
  const problems: CaptureProblem[] = [];
  const annotations = template.annotations;
  const pathOf = (key: string): JsonPath => [...template.path, 'metadata', 'annotations', key];

  // A malformed list is a problem (Istio refuses the pod), not a bypass.
  const parsedList = <T extends object>(name: string, parse: (value: string) => T | { bad: string } | { unrendered: string }, expected: CaptureProblem['expected']): (T & { key: string }) | undefined => {
    const key = TRAFFIC + name;
    const value = annotations[key];
    if (value === undefined) return undefined;
    const parsed = parse(value);
    // An unrendered placeholder is no value yet: neither a bypass nor a malformed list until it is rendered.
    if ('unrendered' in parsed) return undefined;
    if ('bad' in parsed) {
      problems.push({ annotation: key, path: pathOf(key), token: parsed.bad, expected });
      return undefined;
    }
    return { ...parsed, key };
  };
  const portList = (name: string) => parsedList(name, parsePortList, 'port');
  const cidrList = (name: string) => parsedList(name, parseCidrList, 'cidr');
  const add = (bypass: Omit<CaptureBypass, 'description'>): void => {
    bypasses.push({ ...bypass, description: describeBypass(bypass) });
  };

  const excludeIn = portList('excludeInboundPorts');
  if (excludeIn && excludeIn.ports.length > 0) {
    add({ switch: 'excludeInboundPorts', direction: 'inbound', ports: { kind: 'only', ports: excludeIn.ports }, path: pathOf(excludeIn.key) });
  }
  // includeInboundPorts defaults to "*"; a list captures only those ports, "" turns inbound capture off.
  const includeInKey = TRAFFIC + 'includeInboundPorts';
  if (annotations[includeInKey] !== undefined && annotations[includeInKey] !== '*') {
    const includeIn = portList('includeInboundPorts');
    if (includeIn) add({ switch: 'includeInboundPorts', direction: 'inbound', ports: { kind: 'allExcept', ports: includeIn.ports }, path: pathOf(includeInKey) });
  }
  const excludeOut = portList('excludeOutboundPorts');
  if (excludeOut && excludeOut.ports.length > 0) {
    add({ switch: 'excludeOutboundPorts', direction: 'outbound', ports: { kind: 'only', ports: excludeOut.ports }, path: pathOf(excludeOut.key) });
  }
  // includeOutboundPorts forces redirection of extra ports: it captures more, never less; only its syntax matters.
  portList('includeOutboundPorts');

  const excludeRanges = cidrList('excludeOutboundIPRanges');
  if (excludeRanges && excludeRanges.cidrs.length > 0) {
    add({ switch: 'excludeOutboundIPRanges', direction: 'outbound', ports: ALL, destinations: { kind: 'only', cidrs: excludeRanges.cidrs }, path: pathOf(excludeRanges.key) });
  }
  const includeRangesKey = TRAFFIC + 'includeOutboundIPRanges';
  if (annotations[includeRangesKey] !== undefined && annotations[includeRangesKey] !== '*') {
    const includeRanges = cidrList('includeOutboundIPRanges');
    if (includeRanges) {
      add({ switch: 'includeOutboundIPRanges', direction: 'outbound', ports: ALL, destinations: { kind: 'allExcept', cidrs: includeRanges.cidrs }, path: pathOf(includeRangesKey) });
    }
  }

  for (const name of ['excludeInterfaces', 'kubevirtInterfaces'] as const) {
    const key = TRAFFIC + name;
    const interfaces = (annotations[key] ?? '').split(',').map((i) => i.trim()).filter((i) => i !== '');
    if (interfaces.length > 0) add({ switch: name, direction: 'both', ports: ALL, interfaces, path: pathOf(key) });
  }

  const mode = annotations[INTERCEPTION_MODE];
  if (mode !== undefined) {
    if (mode === 'NONE') add({ switch: 'interceptionMode', direction: 'both', ports: ALL, path: pathOf(INTERCEPTION_MODE) });
    else if (mode !== 'REDIRECT' && mode !== 'TPROXY') problems.push({ annotation: INTERCEPTION_MODE, path: pathOf(INTERCEPTION_MODE), token: mode, expected: 'interceptionMode' });
  }

  for (const { path, containers } of proxyUidContainers(template)) {
    add({ switch: 'runAsUser', direction: 'outbound', ports: ALL, containers, path });
  }
  return { bypasses, problems };
}

/**
 * A value left unrendered by a templating step (kustomize replacements or sed over `MYSQL_PORT_PLACEHOLDER`,
 * envsubst `${VAR}`, Kubernetes `$(VAR)`): what the annotation will hold is not known yet, so it is
 * neither a malformed value nor a bypass of known ports. The rendered manifests are what gets checked.
 */
export function isPlaceholder(token: string): boolean {
  return PLACEHOLDER.test(token);
}

const PLACEHOLDER = /^(\$\{[^}]*\}|\$\([^)]*\)|[A-Z][A-Z0-9]*(_[A-Z0-9]+)+)$/;

/** Istio's parsePorts: trim the value, split on commas, each element trimmed and an integer 0-65535. */
export function parsePortList(value: string): { ports: number[] } | { bad: string } | { unrendered: string } {
  const trimmed = value.trim();
  if (trimmed === '') return { ports: [] };
  const ports: number[] = [];
  for (const token of trimmed.split(',')) {
    const text = token.trim();
    if (isPlaceholder(text)) return { unrendered: token };
    if (!/^\d+$/.test(text) || Number(text) > 65535) return { bad: token };
    ports.push(Number(text));
  }
  return { ports };
}

/** Istio's validateCIDRList: split on commas, each element must parse as-is (no trimming). */
export function parseCidrList(value: string): { cidrs: Cidr[] } | { bad: string } | { unrendered: string } {
  if (value === '') return { cidrs: [] };
  const cidrs: Cidr[] = [];
  for (const token of value.split(',')) {
    const cidr = parseCidr(token);
    if (!cidr && isPlaceholder(token)) return { unrendered: token };
    if (!cidr) return { bad: token };
    cidrs.push(cidr);
  }
  return { cidrs };
}

/**
 * Containers that run as UID 1337, grouped by the field that sets it: the container's own
 * `securityContext.runAsUser`, or the pod's when the container does not override it.
 */
function proxyUidContainers(template: PodTemplate): Array<{ path: JsonPath; containers: string[] }> {
  const groups = new Map<string, { path: JsonPath; containers: string[] }>();
  const podUid = isRecord(template.spec.securityContext) ? template.spec.securityContext.runAsUser : undefined;
  const podPath: JsonPath = [...template.path, 'spec', 'securityContext', 'runAsUser'];
  const lists: Array<[string, unknown]> = [['containers', template.spec.containers], ['initContainers', template.spec.initContainers]];
  for (const [key, list] of lists) {
    if (!Array.isArray(list)) continue;
    list.forEach((container, i) => {
      if (!isRecord(container)) return;
      // Only long-running init containers (native sidecars) send traffic alongside the app.
      if (key === 'initContainers' && container.restartPolicy !== 'Always') return;
      const own = isRecord(container.securityContext) ? container.securityContext.runAsUser : undefined;
      const uid = own ?? podUid;
      if (uid !== PROXY_UID) return;
      const path = own !== undefined ? [...template.path, 'spec', key, i, 'securityContext', 'runAsUser'] : podPath;
      const name = typeof container.name === 'string' ? container.name : `${key}[${i}]`;
      const group = groups.get(path.join('/'));
      if (group) group.containers.push(name);
      else groups.set(path.join('/'), { path, containers: [name] });
    });
  }
  return [...groups.values()];
}

function describeBypass(bypass: Omit<CaptureBypass, 'description'>): string {
  const ports = describePorts(portSetRanges(bypass.ports));
  switch (bypass.switch) {
    case 'excludeInboundPorts':
    case 'includeInboundPorts':
      if (ports === 'all ports') return 'all inbound traffic';
      return ports.startsWith('all ') ? `inbound traffic on ${ports}` : `inbound ${plural('port', /[,-]/.test(ports))} ${ports}`;
    case 'excludeOutboundPorts':
      return `outbound ${plural('port', /[,-]/.test(ports))} ${ports}`;
    case 'excludeOutboundIPRanges':
      return `outbound traffic to ${bypass.destinations!.cidrs.map((c) => c.text).join(', ')}`;
    case 'includeOutboundIPRanges':
      return bypass.destinations!.cidrs.length === 0
        ? 'all outbound traffic'
        : `outbound traffic to every address outside ${bypass.destinations!.cidrs.map((c) => c.text).join(', ')}`;
    case 'excludeInterfaces':
    case 'kubevirtInterfaces':
      return `traffic on ${plural('interface', bypass.interfaces!.length > 1)} ${bypass.interfaces!.join(', ')}`;
    case 'interceptionMode':
      return 'all inbound and outbound traffic';
    case 'runAsUser':
      return `all outbound traffic of ${plural('container', bypass.containers!.length > 1)} ${bypass.containers!.join(', ')} (UID ${PROXY_UID} is never redirected)`;
  }
}

/** The annotation (or field) behind a bypass, as a reader finds it in the manifest. */
export function describeSwitch(bypass: CaptureBypass): string {
  if (bypass.switch === 'runAsUser') return `securityContext.runAsUser ${PROXY_UID}`;
  if (bypass.switch === 'interceptionMode') return `${INTERCEPTION_MODE}: NONE`;
  return TRAFFIC + bypass.switch;
}

function plural(noun: string, many: boolean): string {
  return many ? `${noun}s` : noun;
}
