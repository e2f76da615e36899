# METADATA
# title: Sidecar capture bypasses must be well-formed and justified
# description: >-
#   On an injected workload, every capture bypass (traffic.sidecar.istio.io/exclude*/include* port, IP range and interface
#   annotations, interceptionMode NONE, a container running as UID 1337) needs a non-empty `meshguard.io/capture-bypass-reason`
#   annotation on the pod template. Malformed port lists, CIDRs and interception modes are always errors: Istio refuses to inject the pod.
# related_resources:
#   - ref: https://gitlab.com/meshguard/meshguard/-/blob/main/docs/rules/capture-bypass-justified.md
# custom:
#   id: capture-bypass-justified
#   severity: error
#   tags: [mesh, capture, zero-trust]
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]
#   inventory: []
package meshguard.mesh.capture_bypass_justified

# Malformed capture values break injection whatever the reason says (and arm a failure for the day
# injection is enabled). Unjustified bypasses are checked in the capture_bypass_justified_* packages.

import rego.v1

import data.meshguard.lib.capture
import data.meshguard.lib.capture_cidrs
import data.meshguard.lib.capture_ports
import data.meshguard.lib.workload

template := workload.pod_template(input)

annotation_path(key) := array.concat(template.path, ["metadata", "annotations", key])

consequence := "Istio's injector rejects the pod and, with the webhook's default failurePolicy Fail, the pod is never created"

deny contains finding if {
	some name in port_annotations(template.annotations)
	key := capture.keys[name]
	bad := capture_ports.port_list(template.annotations[key]).bad
	finding := {
		"path": annotation_path(key),
		"messageId": "malformedPort",
		"msg": concat("", [key, ": '", bad, "' is not a port (an integer 0-65535); ", consequence]),
	}
}

deny contains finding if {
	some name in capture_cidrs.cidr_annotations(template.annotations)
	key := capture.keys[name]
	bad := capture_cidrs.cidr_list(template.annotations[key]).bad
	finding := {
		"path": annotation_path(key),
		"messageId": "malformedCidr",
		"msg": concat("", [key, ": '", bad, "' is not a CIDR block such as 10.0.0.0/8 or fd00::/8 (no spaces); ", consequence]),
	}
}

deny contains finding if {
	key := "sidecar.istio.io/interceptionMode"
	mode := template.annotations[key]
	not mode in {"NONE", "REDIRECT", "TPROXY"}
	finding := {
		"path": annotation_path(key),
		"messageId": "malformedInterceptionMode",
		"msg": concat("", [key, ": '", mode, "' is not REDIRECT, TPROXY or NONE; ", consequence]),
	}
}

# Annotations whose port list Istio parses; include lists only when they are not "*".
port_annotations(annotations) := {name |
	some name in ["excludeInboundPorts", "includeInboundPorts", "excludeOutboundPorts", "includeOutboundPorts"]
	value := annotations[capture.keys[name]]
	not star_include(name, value)
}

star_include(name, "*") if startswith(name, "include")
