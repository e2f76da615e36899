# The env of the scuttle container of the Job under review (`input`), for the job-sidecar-termination packages.
package meshguard.lib.scuttle

import rego.v1

import data.meshguard.lib.jobs

scuttle := jobs.scuttle

template := jobs.template

# scuttle (redboxllc/scuttle) only acts when ENVOY_ADMIN_API is set; it quits the proxy via ISTIO_QUIT_API, else pkill.

scuttle_env_list := object.get(scuttle.container, "env", [])

# name -> {value?, path}; a later entry of the same name wins, as for the kubelet.
scuttle_env[name] := entry if {
	is_array(scuttle_env_list)
	some name in {item.name | some item in scuttle_env_list; is_object(item); is_string(item.name)}
	last := max([i | some i, item in scuttle_env_list; is_object(item); item.name == name])
	entry := env_entry(scuttle_env_list[last], array.concat(scuttle.path, ["env", last]))
}

env_entry(item, path) := {"value": item.value, "path": array.concat(path, ["value"])} if {
	is_string(item.value)
} else := {"path": path}

unknown_env if count(object.get(scuttle.container, "envFrom", [])) > 0

shared_processes if template.spec.shareProcessNamespace == true

