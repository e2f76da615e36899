// Policy shapes part 2 will run: Gatekeeper templates (v0, violation[{...}]) and conftest
// policies importing a shared library package.
import { describe, expect, it } from 'vitest';
import { evalQuery } from '../../src/rego/index.js';

const GATEKEEPER = `package k8srequiredlabels

get_message(parameters, _default) = msg {
  not parameters.message
  msg := _default
}

get_message(parameters, _default) = msg {
  msg := parameters.message
}

violation[{"msg": msg, "details": {"missing_labels": missing}}] {
  provided := {label | input.review.object.metadata.labels[label]}
  required := {label | label := input.parameters.labels[_].key}
  missing := required - provided
  count(missing) > 0
  def_msg := sprintf("you must provide labels: %v", [missing])
  msg := get_message(input.parameters, def_msg)
}

violation[{"msg": msg}] {
  value := input.review.object.metadata.labels[key]
  expected := input.parameters.labels[_]
  expected.key == key
  expected.allowedRegex != ""
  not re_match(expected.allowedRegex, value)
  msg := sprintf("Label <%v: %v> does not satisfy allowed regex: %v", [key, value, expected.allowedRegex])
}
`;

const LIB = `package lib.kubernetes

default is_gatekeeper = false

is_gatekeeper {
  has_field(input, "review")
  has_field(input.review, "object")
}

object = input {
  not is_gatekeeper
}

object = input.review.object {
  is_gatekeeper
}

has_field(obj, field) {
  obj[field]
}

pod_containers(pod) = all_containers {
  keys = {"containers", "initContainers"}
  all_containers = [c | keys[k]; c = pod.spec[k][_]]
}

containers[container] {
  all_containers = pod_containers(object)
  container = all_containers[_]
}

name = object.metadata.name
`;

const MAIN = `package main

import data.lib.kubernetes

deny[msg] {
  container := kubernetes.containers[_]
  not container.securityContext.runAsNonRoot
  msg = sprintf("%s in the %s %s is running as root", [container.name, kubernetes.object.kind, kubernetes.name])
}
`;

describe('policy libraries', () => {
  it('runs a Gatekeeper constraint template (Rego v0)', async () => {
    const input = {
      review: { object: { metadata: { labels: { owner: 'me.agilebank.demo', team: 'x' } } } },
      parameters: { labels: [{ key: 'owner', allowedRegex: '^[a-zA-Z]+.agilebank.demo$' }, { key: 'env' }, { key: 'team', allowedRegex: '^t' }] },
    };
    const r = await evalQuery('v := data.k8srequiredlabels.violation', [{ path: 'gk.rego', source: GATEKEEPER }], { input, v0: true });
    expect(r).toEqual([{ v: [
      { details: { missing_labels: ['env'] }, msg: 'you must provide labels: {"env"}' },
      { msg: 'Label <team: x> does not satisfy allowed regex: ^t' },
    ] }]);
  });

  it('runs a conftest policy importing a library package', async () => {
    const input = {
      kind: 'Deployment', metadata: { name: 'web' },
      spec: { containers: [{ name: 'a' }, { name: 'b', securityContext: { runAsNonRoot: true } }], initContainers: [{ name: 'init' }] },
    };
    const r = await evalQuery('d := data.main.deny', [{ path: 'lib.rego', source: LIB }, { path: 'main.rego', source: MAIN }], { input, v0: true });
    expect(r).toEqual([{ d: ['a in the Deployment web is running as root', 'init in the Deployment web is running as root'] }]);
  });
});
