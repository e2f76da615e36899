# What the capture-bypass-justified packages share: the reviewed pod template, and the finding for
# one bypass when the workload is injected and its pod template gives no reason.
package meshguard.lib.capture

import rego.v1

import data.meshguard.lib.injection
import data.meshguard.lib.workload

traffic := "traffic.sidecar.istio.io/"

reason_key := "meshguard.io/capture-bypass-reason"

template := workload.pod_template(input)

annotations := template.annotations

# The full annotation key of each capture switch, spelt out: looked up on every workload.
keys := {
	"excludeInboundPorts": "traffic.sidecar.istio.io/excludeInboundPorts",
	"includeInboundPorts": "traffic.sidecar.istio.io/includeInboundPorts",
	"excludeOutboundPorts": "traffic.sidecar.istio.io/excludeOutboundPorts",
	"includeOutboundPorts": "traffic.sidecar.istio.io/includeOutboundPorts",
	"excludeOutboundIPRanges": "traffic.sidecar.istio.io/excludeOutboundIPRanges",
	"includeOutboundIPRanges": "traffic.sidecar.istio.io/includeOutboundIPRanges",
	"excludeInterfaces": "traffic.sidecar.istio.io/excludeInterfaces",
	"kubevirtInterfaces": "traffic.sidecar.istio.io/kubevirtInterfaces",
}

# An unrendered template value (placeholderOf in TypeScript): kustomize/sed placeholders such as
# MYSQL_PORT_PLACEHOLDER, envsubst ${VAR}, Kubernetes $(VAR).
placeholder(token) if regex.match(`^(\$\{[^}]*\}|\$\([^)]*\)|[A-Z][A-Z0-9]*(_[A-Z0-9]+)+)$`, token)

path_of(k) := array.concat(template.path, ["metadata", "annotations", k])

plural(noun, true) := concat("", [noun, "s"])

plural(noun, false) := noun

decision := injection.decision(input)

# Bypasses need a reason only on injected workloads without a non-blank reason on the pod template.
# Gateway pods have no sidecar: nothing is captured, and their proxy runs as UID 1337 by design.
needs_reason if {
	decision.injected
	not injection.gateway_pod(template)
	trim_space(object.get(template.annotations, reason_key, "")) == ""
}

# A reason on the workload's own metadata is a common slip: the contract is on the pod template.
missing := concat("", ["an empty ", reason_key, " annotation"]) if {
	template.annotations[reason_key]
} else := concat("", ["no ", reason_key, " annotation (the ", input.kind, "'s own metadata has one: move it to the pod template)"]) if {
	count(template.path) > 0
	trim_space(object.get(input, ["metadata", "annotations", reason_key], "")) != ""
} else := concat("", ["no ", reason_key, " annotation"])

finding(bypass) := {
	"path": bypass.path,
	"messageId": "unjustifiedBypass",
	"msg": concat("", [
		describe_switch(bypass.switch), " lets ", bypass.description, " bypass the sidecar of this workload (injected by ",
		injection.describe(decision, injection.namespace_of(input)), "), but the pod template has ", missing,
		": write down why this traffic may skip mTLS, authorization and telemetry",
	]),
}

describe_switch("runAsUser") := "securityContext.runAsUser 1337"

describe_switch("interceptionMode") := "sidecar.istio.io/interceptionMode: NONE"

describe_switch(name) := concat("", [traffic, name]) if not name in {"runAsUser", "interceptionMode"}
