# METADATA
# description: Interface, interception-mode and UID bypasses of capture-bypass-justified (its own package keeps each compiled module small).
# custom:
#   id: capture-bypass-justified
#   inventory: [Namespace]
package meshguard.mesh.capture_bypass_justified_other

import rego.v1


import data.meshguard.lib.capture

template := capture.template

annotations := capture.annotations

key := capture.keys

path_of(k) := capture.path_of(k)

plural(noun, many) := capture.plural(noun, many)

# The bypasses first: most pods have none, and then the injection decision is never computed.
deny contains capture.finding(bypass) if {
	some bypass in bypasses
	capture.needs_reason
}

bypasses contains {"switch": name, "path": path_of(key[name]), "description": desc} if {
	some name in ["excludeInterfaces", "kubevirtInterfaces"]
	value := annotations[key[name]]
	interfaces := [t | some raw in split(value, ","); t := trim_space(raw); t != ""]
	count(interfaces) > 0
	desc := concat("", ["traffic on ", plural("interface", count(interfaces) > 1), " ", concat(", ", interfaces)])
}

bypasses contains {"switch": "interceptionMode", "path": path_of("sidecar.istio.io/interceptionMode"), "description": "all inbound and outbound traffic"} if {
	annotations["sidecar.istio.io/interceptionMode"] == "NONE"
}

# Containers running as the proxy's UID 1337 (never redirected), grouped by the field that sets it.
bypasses contains {"switch": "runAsUser", "path": path, "description": desc} if {
	uid_1337_anywhere
	some path in {e.path | some e in uid_entries}
	names := [e.name | some e in uid_entries; e.path == path]
	desc := concat("", ["all outbound traffic of ", plural("container", count(names) > 1), " ", concat(", ", names), " (UID 1337 is never redirected)"])
}

pod_uid := template.spec.securityContext.runAsUser

# A cheap necessary condition first: most pods run nothing as UID 1337.
uid_1337_anywhere if pod_uid == 1337

uid_1337_anywhere if {
	some list_key in ["containers", "initContainers"]
	some container in template.spec[list_key]
	container.securityContext.runAsUser == 1337
}

uid_entries := array.concat(uid_list("containers"), uid_list("initContainers"))

uid_list(list_key) := [entry |
	some i, container in object.get(template.spec, list_key, [])
	is_object(container)
	# Only long-running init containers (native sidecars) send traffic alongside the app.
	runs_alongside(list_key, container)
	entry := uid_entry(list_key, i, container)
] if {
	is_array(object.get(template.spec, list_key, null))
} else := []

runs_alongside("containers", _)

runs_alongside("initContainers", container) if container.restartPolicy == "Always"

uid_entry(list_key, i, container) := {"path": array.concat(template.path, ["spec", list_key, i, "securityContext", "runAsUser"]), "name": name_of(list_key, i, container)} if {
	container.securityContext.runAsUser == 1337
}

uid_entry(list_key, i, container) := {"path": array.concat(template.path, ["spec", "securityContext", "runAsUser"]), "name": name_of(list_key, i, container)} if {
	not has_own_uid(container)
	pod_uid == 1337
}

has_own_uid(container) if container.securityContext.runAsUser != null

name_of(list_key, i, container) := container.name if {
	is_string(container.name)
} else := sprintf("%s[%d]", [list_key, i])
