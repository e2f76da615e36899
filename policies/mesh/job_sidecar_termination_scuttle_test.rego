package meshguard.mesh.job_sidecar_termination_scuttle_test

import rego.v1

import data.meshguard.mesh.job_sidecar_termination_scuttle as scuttle

job(env) := {"kind": "Job", "metadata": {"namespace": "etl"}, "spec": {"template": {"spec": {"containers": [{"name": "m", "command": ["/bin/scuttle"], "env": env}]}}}}

test_scuttle_without_env if {
	findings := scuttle.deny with input as job([]) with data.meshguard.config.mesh as {"injectByDefault": true, "ignoredNamespaces": [], "nativeSidecars": false}
	{f.messageId | some f in findings} == {"scuttleMissingEnvoyAdminApi", "scuttleMissingQuitApi"}
}

test_scuttle_never_kill if {
	env := [{"name": "ENVOY_ADMIN_API", "value": "http://127.0.0.1:15000"}, {"name": "ISTIO_QUIT_API", "value": "http://localhost:15020"}, {"name": "NEVER_KILL_ISTIO", "value": "true"}]
	findings := scuttle.deny with input as job(env) with data.meshguard.config.mesh as {"injectByDefault": true, "ignoredNamespaces": [], "nativeSidecars": false}
	[f.path | some f in findings] == [["spec", "template", "spec", "containers", 0, "env", 2, "value"]]
}
