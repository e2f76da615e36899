# METADATA
# description: The scuttle half of job-sidecar-termination (its own package keeps each compiled module small).
# custom:
#   id: job-sidecar-termination
#   inventory: [Namespace]
package meshguard.mesh.job_sidecar_termination_scuttle

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
	not scuttle_env.ENVOY_ADMIN_API
	not unknown_env
	finding := {
		"path": command_path(scuttle),
		"messageId": "scuttleMissingEnvoyAdminApi",
		"msg": concat("", ["container ", scuttle.name, " runs scuttle without ENVOY_ADMIN_API: scuttle then just runs the command, neither waiting for nor stopping the proxy; set ENVOY_ADMIN_API: http://127.0.0.1:15000"]),
	}
}

deny contains finding if {
	scuttle
	needs_stop
	not scuttle_env.ISTIO_QUIT_API
	not unknown_env
	shared_processes
	finding := {
		"path": command_path(scuttle),
		"messageId": "scuttlePkillFallback",
		"severity": "warning",
		"msg": concat("", ["container ", scuttle.name, " runs scuttle without ISTIO_QUIT_API: it falls back to pkill through the shared process namespace, which fails when the app may not signal the proxy's processes; set ISTIO_QUIT_API: http://127.0.0.1:15020"]),
	}
}

deny contains finding if {
	scuttle
	needs_stop
	not scuttle_env.ISTIO_QUIT_API
	not unknown_env
	not shared_processes
	finding := {
		"path": command_path(scuttle),
		"messageId": "scuttleMissingQuitApi",
		"msg": concat("", ["container ", scuttle.name, " runs scuttle without ISTIO_QUIT_API: it falls back to pkill, which cannot see the proxy without shareProcessNamespace: true, so the proxy keeps running; set ISTIO_QUIT_API: http://127.0.0.1:15020"]),
	}
}

deny contains finding if {
	scuttle
	needs_stop
	scuttle_env.NEVER_KILL_ISTIO.value == "true"
	finding := {
		"path": scuttle_env.NEVER_KILL_ISTIO.path,
		"messageId": "scuttleNeverKill",
		"msg": "NEVER_KILL_ISTIO: \"true\" tells scuttle to leave the proxy running: the Job never completes",
	}
}

deny contains finding if {
	scuttle
	needs_stop
	scuttle_env.NEVER_KILL_ISTIO_ON_FAILURE.value == "true"
	finding := {
		"path": scuttle_env.NEVER_KILL_ISTIO_ON_FAILURE.path,
		"messageId": "scuttleNeverKillOnFailure",
		"severity": "warning",
		"msg": "NEVER_KILL_ISTIO_ON_FAILURE: \"true\" leaves the proxy running when the command fails: a failed run never completes and holds its quota until activeDeadlineSeconds",
	}
}
