# Whether Istio's injector adds a sidecar to a workload's pods, as src/model/mesh/injection.ts
# decides it (istio/pkg/kube/inject): never for hostNetwork pods, ignored and ambient namespaces; a
# "false"/"disabled" switch anywhere wins; then an enabling switch at pod or namespace level; else
# the mesh default. Namespaces come from data.inventory, mesh settings from data.meshguard.config.
package meshguard.lib.injection

import rego.v1

import data.meshguard.lib.workload

inject := "sidecar.istio.io/inject"

namespace_injection := "istio-injection"

revision := "istio.io/rev"

dataplane_mode := "istio.io/dataplane-mode"

mesh := data.meshguard.config.mesh

# Labels of the Namespace object of that name ({} when the tree declares none).
namespace_labels(name) := labels if {
	objects := [ns | some version; ns := data.inventory.cluster[version].Namespace[name]]
	count(objects) > 0
	labels := workload.string_map(object.get(objects[0], ["metadata", "labels"], {}))
} else := {}

namespace_of(resource) := object.get(resource, ["metadata", "namespace"], "")

# {injected, reason, path?, nativeSidecar}; undefined for resources without a pod template.
decision(resource) := object.union(raw, {"nativeSidecar": native_flag(raw, template)}) if {
	template := workload.pod_template(resource)
	raw := decide(resource, template)
}

native_flag(raw, template) := native_sidecar(template) if raw.injected == true

native_flag(raw, _) := false if raw.injected == false

decide(resource, template) := {"injected": false, "reason": "hostNetwork", "path": array.concat(template.path, ["spec", "hostNetwork"])} if {
	template.spec.hostNetwork == true
} else := {"injected": false, "reason": "ignoredNamespace"} if {
	namespace_of(resource) in mesh.ignoredNamespaces
} else := {"injected": false, "reason": "ambientNamespace"} if {
	namespace_labels(namespace_of(resource))[dataplane_mode] == "ambient"
} else := {"injected": false, "reason": "namespaceLabel"} if {
	namespace_labels(namespace_of(resource))[namespace_injection] == "disabled"
} else := {"injected": false, "reason": pod_reason(template), "path": pod_path(template)} if {
	pod_switch(template) == false
} else := {"injected": true, "reason": "namespaceLabel"} if {
	namespace_labels(namespace_of(resource))[namespace_injection] == "enabled"
} else := {"injected": true, "reason": "namespaceRevision"} if {
	labels := namespace_labels(namespace_of(resource))
	not labels[namespace_injection]
	labels[revision]
} else := {"injected": true, "reason": "podLabel", "path": array.concat(template.path, ["metadata", "labels", inject])} if {
	# The annotation can only opt out; only the label opts in.
	pod_switch(template) == true
	template.labels[inject]
} else := {"injected": true, "reason": "meshDefault"} if {
	mesh.injectByDefault == true
} else := {"injected": false, "reason": "noSwitch"}

# The pod label wins over the deprecated annotation; Istio treats y/yes/on/true as true.
pod_switch(template) := parse_switch(template.labels[inject]) if {
	template.labels[inject]
} else := parse_switch(template.annotations[inject])

parse_switch(value) := lower(trim_space(value)) in {"y", "yes", "true", "on"}

pod_reason(template) := "podLabel" if {
	template.labels[inject]
} else := "podAnnotation"

pod_path(template) := array.concat(template.path, ["metadata", "labels", inject]) if {
	template.labels[inject]
} else := array.concat(template.path, ["metadata", "annotations", inject])

# A pod whose Envoy IS the workload (isGatewayPod in TypeScript): Istio's `gateway` injection template
# without `sidecar`, or the proxy run in router mode (`pilot-agent proxy router`).
gateway_pod(template) if {
	templates := {trim_space(t) | some t in split(object.get(template.annotations, "inject.istio.io/templates", ""), ",")}
	"gateway" in templates
	not "sidecar" in templates
}

gateway_pod(template) if {
	some container in object.get(template.spec, "containers", [])
	container.args[0] == "proxy"
	container.args[1] == "router"
}

# `sidecar.istio.io/nativeSidecar` overrides the mesh default either way.
native_sidecar(template) := true if {
	template.annotations["sidecar.istio.io/nativeSidecar"] == "true"
} else := false if {
	template.annotations["sidecar.istio.io/nativeSidecar"] == "false"
} else := mesh.nativeSidecars

# A namespace is "injected" when the tree marks it for injection (label or revision) or the mesh injects by default.
namespace_injected(name) := false if {
	name in mesh.ignoredNamespaces
} else := false if {
	namespace_labels(name)[dataplane_mode] == "ambient"
} else := true if {
	namespace_labels(name)[namespace_injection] == "enabled"
} else := false if {
	namespace_labels(name)[namespace_injection] == "disabled"
} else := true if {
	namespace_labels(name)[revision]
} else := mesh.injectByDefault

# How a decision reads in messages: fixed text around the namespace name (describeInjection in TypeScript).
describe(d, ns) := concat("", [parts[0], ns, parts[1]]) if {
	parts := descriptions[d.reason]
	count(parts) == 2
} else := descriptions[d.reason][0]

descriptions := {
	"podLabel": ["pod label sidecar.istio.io/inject"],
	"podAnnotation": ["pod annotation sidecar.istio.io/inject"],
	"namespaceLabel": ["namespace ", " label istio-injection"],
	"namespaceRevision": ["namespace ", " label istio.io/rev"],
	"meshDefault": ["the mesh injects by default (mesh.injectByDefault)"],
	"hostNetwork": ["hostNetwork pods are never injected"],
	"ignoredNamespace": ["namespace ", " is ignored by the injector"],
	"ambientNamespace": ["namespace ", " runs in ambient mode"],
	"noSwitch": ["no injection switch is set"],
}
