import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { parseSourceText } from '../../src/load/index.js';
import { captureOf, parseCidrList, parsePortList } from '../../src/model/mesh/capture.js';
import { podTemplateOf } from '../../src/model/workload.js';

function capture(annotations: Record<string, string>, spec = 'containers: [{name: app, image: x}]') {
  const lines = Object.entries(annotations).map(([k, v]) => `        ${k}: ${JSON.stringify(v)}`);
  const yaml =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: zk, namespace: data}\nspec:\n  template:\n    metadata:\n' +
    (lines.length > 0 ? `      annotations:\n${lines.join('\n')}\n` : '') +
    `    spec:\n      ${spec}\n`;
  const { resources } = parseSourceText({ path: 'x.yaml', text: yaml }, DEFAULT_CONFIG);
  return captureOf(podTemplateOf(resources[0]!)!);
}

const T = 'traffic.sidecar.istio.io/';
const annotationPath = (key: string) => ['spec', 'template', 'metadata', 'annotations', key];

describe('parsePortList', () => {
  it('reads comma-separated ports, trimming like Istio', () => {
    expect(parsePortList(' 2181, 2888 ,3888')).toEqual({ ports: [2181, 2888, 3888] });
    expect(parsePortList('')).toEqual({ ports: [] });
    expect(parsePortList('  ')).toEqual({ ports: [] });
    expect(parsePortList('0,65535')).toEqual({ ports: [0, 65535] });
  });
  it('names the first bad token', () => {
    expect(parsePortList('2181,65536')).toEqual({ bad: '65536' });
    expect(parsePortList('2181,zk')).toEqual({ bad: 'zk' });
    expect(parsePortList('2181,,3888')).toEqual({ bad: '' });
    expect(parsePortList('-1')).toEqual({ bad: '-1' });
    expect(parsePortList('*')).toEqual({ bad: '*' });
    expect(parsePortList('80-90')).toEqual({ bad: '80-90' });
  });
});

describe('parseCidrList', () => {
  it('reads IPv4 and IPv6 blocks', () => {
    const parsed = parseCidrList('10.0.0.0/8,fd00::/8,169.254.169.254/32');
    expect('cidrs' in parsed && parsed.cidrs.map((c) => [c.family, c.prefix])).toEqual([[4, 8], [6, 8], [4, 32]]);
  });
  it('rejects what Go net.ParseCIDR rejects', () => {
    expect(parseCidrList('10.0.0.0')).toEqual({ bad: '10.0.0.0' });
    expect(parseCidrList('10.0.0.0/33')).toEqual({ bad: '10.0.0.0/33' });
    expect(parseCidrList('10.0.0.0/8, 192.168.0.0/16')).toEqual({ bad: ' 192.168.0.0/16' });
    expect(parseCidrList('010.0.0.0/8')).toEqual({ bad: '010.0.0.0/8' });
    expect(parseCidrList('fd00:::1/64')).toEqual({ bad: 'fd00:::1/64' });
    expect(parseCidrList('*')).toEqual({ bad: '*' });
  });
});

describe('captureOf', () => {
  it('finds nothing on a plain pod', () => {
    expect(capture({})).toEqual({ bypasses: [], problems: [] });
  });
  it('excludeInboundPorts bypasses exactly those ports', () => {
    const { bypasses } = capture({ [`${T}excludeInboundPorts`]: '2181,2888,3888' });
    expect(bypasses).toEqual([
      expect.objectContaining({ switch: 'excludeInboundPorts', direction: 'inbound', ports: { kind: 'only', ports: [2181, 2888, 3888] }, path: annotationPath(`${T}excludeInboundPorts`), description: 'inbound ports 2181, 2888, 3888' }),
    ]);
  });
  it('an empty exclude list bypasses nothing', () => {
    expect(capture({ [`${T}excludeInboundPorts`]: '' }).bypasses).toEqual([]);
  });
  it('includeInboundPorts "*" is the default; a list leaves every other port uncaptured; "" turns capture off', () => {
    expect(capture({ [`${T}includeInboundPorts`]: '*' }).bypasses).toEqual([]);
    expect(capture({ [`${T}includeInboundPorts`]: '8080' }).bypasses).toEqual([
      expect.objectContaining({ switch: 'includeInboundPorts', ports: { kind: 'allExcept', ports: [8080] }, description: 'inbound traffic on all ports except 8080' }),
    ]);
    expect(capture({ [`${T}includeInboundPorts`]: '' }).bypasses).toEqual([
      expect.objectContaining({ switch: 'includeInboundPorts', ports: { kind: 'allExcept', ports: [] }, description: 'all inbound traffic' }),
    ]);
  });
  it('outbound ports and ranges', () => {
    const { bypasses } = capture({
      [`${T}excludeOutboundPorts`]: '8125',
      [`${T}excludeOutboundIPRanges`]: '10.96.0.0/12',
      [`${T}includeOutboundIPRanges`]: '10.0.0.0/8',
    });
    expect(bypasses.map((b) => [b.switch, b.direction, b.description])).toEqual([
      ['excludeOutboundPorts', 'outbound', 'outbound port 8125'],
      ['excludeOutboundIPRanges', 'outbound', 'outbound traffic to 10.96.0.0/12'],
      ['includeOutboundIPRanges', 'outbound', 'outbound traffic to every address outside 10.0.0.0/8'],
    ]);
    expect(capture({ [`${T}includeOutboundIPRanges`]: '*' }).bypasses).toEqual([]);
    expect(capture({ [`${T}includeOutboundIPRanges`]: '' }).bypasses[0]?.description).toBe('all outbound traffic');
  });
  it('includeOutboundPorts captures more, never less, but its syntax is checked', () => {
    expect(capture({ [`${T}includeOutboundPorts`]: '443' })).toEqual({ bypasses: [], problems: [] });
    expect(capture({ [`${T}includeOutboundPorts`]: 'https' }).problems).toEqual([expect.objectContaining({ token: 'https', expected: 'port' })]);
  });
  it('interfaces and interception mode', () => {
    const { bypasses, problems } = capture({ [`${T}excludeInterfaces`]: 'net1, net2', 'sidecar.istio.io/interceptionMode': 'NONE' });
    expect(bypasses.map((b) => [b.switch, b.direction])).toEqual([['excludeInterfaces', 'both'], ['interceptionMode', 'both']]);
    expect(bypasses[0]?.interfaces).toEqual(['net1', 'net2']);
    expect(problems).toEqual([]);
    expect(capture({ 'sidecar.istio.io/interceptionMode': 'TPROXY' }).bypasses).toEqual([]);
    expect(capture({ 'sidecar.istio.io/interceptionMode': 'none' }).problems).toEqual([expect.objectContaining({ token: 'none', expected: 'interceptionMode' })]);
  });
  it('a malformed value is a problem, not a bypass', () => {
    const { bypasses, problems } = capture({ [`${T}excludeInboundPorts`]: '5701,hazelcast', [`${T}excludeOutboundIPRanges`]: '10.0.0.0/8,10.0.0.1' });
    expect(bypasses).toEqual([]);
    expect(problems).toEqual([
      { annotation: `${T}excludeInboundPorts`, path: annotationPath(`${T}excludeInboundPorts`), token: 'hazelcast', expected: 'port' },
      { annotation: `${T}excludeOutboundIPRanges`, path: annotationPath(`${T}excludeOutboundIPRanges`), token: '10.0.0.1', expected: 'cidr' },
    ]);
  });
  it('containers running as UID 1337 escape outbound capture, pod-level or container-level', () => {
    const container = capture({}, 'containers: [{name: app, image: x}, {name: agent, image: y, securityContext: {runAsUser: 1337}}]');
    expect(container.bypasses).toEqual([
      expect.objectContaining({ switch: 'runAsUser', direction: 'outbound', containers: ['agent'], path: ['spec', 'template', 'spec', 'containers', 1, 'securityContext', 'runAsUser'] }),
    ]);
    const pod = capture({}, 'securityContext: {runAsUser: 1337}\n      containers: [{name: app, image: x}, {name: b, image: y}, {name: c, image: z, securityContext: {runAsUser: 1000}}]');
    expect(pod.bypasses).toEqual([
      expect.objectContaining({ containers: ['app', 'b'], path: ['spec', 'template', 'spec', 'securityContext', 'runAsUser'] }),
    ]);
  });
  it('only restartable init containers count', () => {
    const init = capture({}, 'initContainers: [{name: setup, image: x, securityContext: {runAsUser: 1337}}, {name: agent, image: y, restartPolicy: Always, securityContext: {runAsUser: 1337}}]\n      containers: [{name: app, image: x}]');
    expect(init.bypasses.map((b) => b.containers)).toEqual([['agent']]);
  });
});

describe('unrendered placeholders (issue 14, class 7)', () => {
  it('reads a kustomize/envsubst placeholder as no value yet, never as a malformed port or CIDR', () => {
    expect(parsePortList('MYSQL_PORT_PLACEHOLDER')).toEqual({ unrendered: 'MYSQL_PORT_PLACEHOLDER' });
    expect(parsePortList(' ${GRPC_PORT} ')).toEqual({ unrendered: '${GRPC_PORT}' });
    expect(parsePortList('$(METRICS_PORT)')).toEqual({ unrendered: '$(METRICS_PORT)' });
    expect(parseCidrList('POD_CIDR_PLACEHOLDER')).toEqual({ unrendered: 'POD_CIDR_PLACEHOLDER' });
  });

  it('still reports a real typo, and words that are no placeholders', () => {
    expect(parsePortList('3306,mysql,DB_PORT_PLACEHOLDER')).toEqual({ bad: 'mysql' });
    expect(parsePortList('MYSQL')).toEqual({ bad: 'MYSQL' });
    expect(parsePortList('mysql_port')).toEqual({ bad: 'mysql_port' });
  });
});
