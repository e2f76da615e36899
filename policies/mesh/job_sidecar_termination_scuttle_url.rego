# METADATA
# description: The scuttle URL checks of job-sidecar-termination (its own package keeps each compiled module small).
# custom:
#   id: job-sidecar-termination
#   inventory: [Namespace]
package meshguard.mesh.job_sidecar_termination_scuttle_url

import rego.v1

import data.meshguard.lib.jobs
import data.meshguard.lib.scuttle as scuttle_lib

scuttle := jobs.scuttle

needs_stop if jobs.needs_stop

command_path(entry) := jobs.command_path(entry)

scuttle_env := scuttle_lib.scuttle_env

unknown_env if scuttle_lib.unknown_env

shared_processes if scuttle_lib.shared_processes

deny contains finding if {
	scuttle
	needs_stop
	some name in ["ENVOY_ADMIN_API", "ISTIO_QUIT_API"]
	entry := scuttle_env[name]
	is_string(entry.value)
	not is_local(entry.value)
	finding := {
		"path": entry.path,
		"messageId": "scuttleNotLocalhost",
		"msg": concat("", [name, " \"", entry.value, "\" is ", not_local_reason(name, entry.value), ": use ", local_url[name]]),
	}
}

local_url := {"ENVOY_ADMIN_API": "http://127.0.0.1:15000", "ISTIO_QUIT_API": "http://127.0.0.1:15020"}

not_local_reason(_, value) := "not a URL" if not is_url(value)

not_local_reason(name, value) := "not the pod's own proxy" if {
	is_url(value)
	name == "ENVOY_ADMIN_API"
}

not_local_reason(name, value) := "not the pod's own pilot-agent" if {
	is_url(value)
	name == "ISTIO_QUIT_API"
}

# WHATWG URL parsing, as far as these checks need it: a scheme, and for the special schemes a host.
is_url(value) if {
	regex.match(`^[A-Za-z][A-Za-z0-9+.-]*:`, value)
	not special_without_host(value)
}

special_without_host(value) if {
	regex.match(`^(?i)(https?|wss?|ftp):`, value)
	url_host(value) == ""
}

url_host(value) := lower(host) if {
	matches := regex.find_n(`^[A-Za-z][A-Za-z0-9+.-]*://([^/?#@]*@)?(\[[^\]/]*\]|[^:/?#]*)`, value, 1)
	count(matches) == 1
	rest := regex.replace(matches[0], `^[A-Za-z][A-Za-z0-9+.-]*://([^/?#@]*@)?`, "")
	host := rest
} else := ""

is_local(value) if {
	is_url(value)
	url_host(value) in {"127.0.0.1", "localhost", "[::1]", "::1"}
}
