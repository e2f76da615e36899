import { describeInjection, injectionOf, isNamespaceInjected } from '../../model/mesh/injection.js';
import { isOwned } from '../../model/mesh/replicas.js';
import type { JsonPath } from '../../model/types.js';
import { getIn, isRecord, podTemplateOf } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule, RuleContext } from '../rule.js';

const ID = 'job-sidecar-termination';
const NO_SIDECAR_REASON = 'meshguard.io/no-sidecar-reason';
const PROXY_CONFIG = 'proxy.istio.io/config';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

interface ContainerEntry {
  container: Record<string, unknown>;
  path: JsonPath;
  name: string;
}

/**
 * "The sidecar keeps the CronJob running": a Job's pod completes only when every container exits, and
 * istio-proxy never does on its own (istio#11659). Until native sidecars, the fix was scuttle around the
 * main command, which waits for Envoy and then POSTs to pilot-agent's /quitquitquit.
 */
export const jobSidecarTerminationRule: Rule = {
  meta: {
    id: ID,
    title: 'Injected Jobs and CronJobs must stop their proxy',
    description:
      'An injected Job/CronJob pod never completes unless the proxy is told to quit: use native sidecars, scuttle ' +
      '(ENVOY_ADMIN_API and ISTIO_QUIT_API on localhost, NEVER_KILL_ISTIO not "true"), or a POST to :15020/quitquitquit; ' +
      'or opt out of injection with a meshguard.io/no-sidecar-reason. activeDeadlineSeconds is the backstop.',
    severity: 'error',
    helpUri: ruleDocsUri(ID),
    tags: ['mesh', 'jobs'],
    appliesTo: { family: 'kubernetes', kinds: ['Job', 'CronJob'] },
  },
  check(resource, context) {
    // A Job created by a CronJob is judged through its CronJob.
    if (isOwned(resource)) return;
    const template = podTemplateOf(resource);
    const injection = injectionOf(resource, context.inventory, context.mesh);
    if (!template || !injection) return;

    if (!injection.injected) {
      const optedOut = injection.reason === 'podLabel' || injection.reason === 'podAnnotation';
      const reason = template.annotations[NO_SIDECAR_REASON]?.trim();
      if (optedOut && !reason && isNamespaceInjected(resource.namespace ?? '', context.inventory, context.mesh)) {
        context.report({
          path: injection.path ?? [...template.path, 'metadata'],
          messageId: 'optOutWithoutReason',
          severity: 'warning',
          message: `${resource.kind} opts out of injection (${describeInjection(injection, resource.namespace)}) in injected namespace ${resource.namespace}: its pods run without mTLS or egress control, against the mTLS and egress guardrails; justify it with ${NO_SIDECAR_REASON}`,
        });
      }
      return;
    }

    const jobSpecPath: JsonPath = resource.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec'] : ['spec'];
    if (typeof getIn(resource.object, [...jobSpecPath, 'activeDeadlineSeconds']) !== 'number') {
      context.report({
        path: jobSpecPath,
        messageId: 'missingActiveDeadline',
        severity: 'warning',
        message: `injected ${resource.kind} sets no activeDeadlineSeconds: if the proxy is ever left running the Job never ends and its pod keeps holding quota; set one as a backstop`,
      });
    }
    if (injection.nativeSidecar) return;

    const containers = containerEntries(template.spec.containers, [...template.path, 'spec', 'containers']);
    const scuttle = containers.find((c) => basename(commandOf(c.container)[0]) === 'scuttle');
    if (scuttle) {
      checkScuttle(scuttle, template.spec.shareProcessNamespace === true, context);
      return;
    }
    const quitter = containers.find((c) => /:15020\/quitquitquit/.test(commandText(c.container)));
    if (quitter) {
      const post = /(-X\s*POST|--request[=\s]+POST|--data\b|-d\s|--post-data|--method[=\s]+POST)/i.test(commandText(quitter.container));
      context.report({
        path: commandPath(quitter),
        messageId: post ? 'quitquitquitFragile' : 'quitquitquitNotPost',
        severity: post ? 'warning' : 'error',
        message: post
          ? `container ${quitter.name} stops the proxy by POSTing to :15020/quitquitquit itself: it is skipped when the command fails early or is killed; prefer native sidecars or scuttle`
          : `container ${quitter.name} calls :15020/quitquitquit without POST: pilot-agent only accepts POST there, so the proxy keeps running`,
      });
      return;
    }

    const main = containers[0];
    const hold = /holdApplicationUntilProxyStarts["']?\s*:\s*["']?true/.test(template.annotations[PROXY_CONFIG] ?? '');
    const holdNote = hold ? ` (holdApplicationUntilProxyStarts in ${PROXY_CONFIG} only delays the app until the proxy is up; it never stops the proxy)` : '';
    context.report({
      path: main ? commandPath(main) : [...template.path, 'spec'],
      messageId: 'proxyNeverExits',
      message:
        `injected ${resource.kind} (${describeInjection(injection, resource.namespace)}) never completes: istio-proxy keeps running after ${main ? `container ${main.name}` : 'the main container'} exits${holdNote}; ` +
        'enable native sidecars (sidecar.istio.io/nativeSidecar: "true"), wrap the command in scuttle, or opt out with sidecar.istio.io/inject: "false" and a meshguard.io/no-sidecar-reason',
    });
  },
};

/** scuttle (redboxllc/scuttle) only acts when ENVOY_ADMIN_API is set; it quits the proxy via ISTIO_QUIT_API, else pkill. */
function checkScuttle(entry: ContainerEntry, sharedProcesses: boolean, context: RuleContext): void {
  const env = envOf(entry);
  const unknownEnv = Array.isArray(entry.container.envFrom) && entry.container.envFrom.length > 0;
  const admin = env.get('ENVOY_ADMIN_API');
  if (!admin && !unknownEnv) {
    context.report({
      path: commandPath(entry),
      messageId: 'scuttleMissingEnvoyAdminApi',
      message: `container ${entry.name} runs scuttle without ENVOY_ADMIN_API: scuttle then just runs the command, neither waiting for nor stopping the proxy; set ENVOY_ADMIN_API: http://127.0.0.1:15000`,
    });
  } else if (admin && admin.value !== undefined && !isLocal(admin.value)) {
    context.report({
      path: admin.path,
      messageId: 'scuttleNotLocalhost',
      message: `ENVOY_ADMIN_API "${admin.value}" is ${isUrl(admin.value) ? "not the pod's own proxy" : 'not a URL'}: use http://127.0.0.1:15000`,
    });
  }
  const quit = env.get('ISTIO_QUIT_API');
  if (!quit && !unknownEnv) {
    context.report({
      path: commandPath(entry),
      messageId: sharedProcesses ? 'scuttlePkillFallback' : 'scuttleMissingQuitApi',
      severity: sharedProcesses ? 'warning' : 'error',
      message: sharedProcesses
        ? `container ${entry.name} runs scuttle without ISTIO_QUIT_API: it falls back to pkill through the shared process namespace, which fails when the app may not signal the proxy's processes; set ISTIO_QUIT_API: http://127.0.0.1:15020`
        : `container ${entry.name} runs scuttle without ISTIO_QUIT_API: it falls back to pkill, which cannot see the proxy without shareProcessNamespace: true, so the proxy keeps running; set ISTIO_QUIT_API: http://127.0.0.1:15020`,
    });
  } else if (quit && quit.value !== undefined && !isLocal(quit.value)) {
    context.report({
      path: quit.path,
      messageId: 'scuttleNotLocalhost',
      message: `ISTIO_QUIT_API "${quit.value}" is ${isUrl(quit.value) ? "not the pod's own pilot-agent" : 'not a URL'}: use http://127.0.0.1:15020`,
    });
  }
  const neverKill = env.get('NEVER_KILL_ISTIO');
  if (neverKill?.value === 'true') {
    context.report({
      path: neverKill.path,
      messageId: 'scuttleNeverKill',
      message: 'NEVER_KILL_ISTIO: "true" tells scuttle to leave the proxy running: the Job never completes',
    });
  }
  const neverKillOnFailure = env.get('NEVER_KILL_ISTIO_ON_FAILURE');
  if (neverKillOnFailure?.value === 'true') {
    context.report({
      path: neverKillOnFailure.path,
      messageId: 'scuttleNeverKillOnFailure',
      severity: 'warning',
      message: 'NEVER_KILL_ISTIO_ON_FAILURE: "true" leaves the proxy running when the command fails: a failed run never completes and holds its quota until activeDeadlineSeconds',
    });
  }
}

function containerEntries(value: unknown, base: JsonPath): ContainerEntry[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((container, index) =>
    isRecord(container) ? [{ container, path: [...base, index], name: typeof container.name === 'string' ? container.name : `#${index}` }] : [],
  );
}

function envOf(entry: ContainerEntry): Map<string, { value?: string; path: JsonPath }> {
  const out = new Map<string, { value?: string; path: JsonPath }>();
  const env = entry.container.env;
  if (!Array.isArray(env)) return out;
  env.forEach((item, index) => {
    if (!isRecord(item) || typeof item.name !== 'string') return;
    const path = [...entry.path, 'env', index];
    out.set(item.name, typeof item.value === 'string' ? { value: item.value, path: [...path, 'value'] } : { path });
  });
  return out;
}

function commandOf(container: Record<string, unknown>): string[] {
  return Array.isArray(container.command) ? container.command.filter((c): c is string => typeof c === 'string') : [];
}

function commandText(container: Record<string, unknown>): string {
  const args = Array.isArray(container.args) ? container.args.filter((c): c is string => typeof c === 'string') : [];
  return [...commandOf(container), ...args].join(' ');
}

function commandPath(entry: ContainerEntry): JsonPath {
  return Array.isArray(entry.container.command) ? [...entry.path, 'command'] : entry.path;
}

function basename(command: string | undefined): string {
  return (command ?? '').split('/').pop() ?? '';
}

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

function isLocal(url: string): boolean {
  try {
    return LOCAL_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}
