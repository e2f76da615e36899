package meshguard.mesh.job_sidecar_termination_stop_test

import rego.v1

import data.meshguard.mesh.job_sidecar_termination_stop as stop

mesh := {"ignoredNamespaces": [], "injectByDefault": true, "nativeSidecars": false}

job(pod) := {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "etl"}, "spec": {"template": pod}}

ids(findings) := {f.messageId | some f in findings}

test_plain_injected_job_never_exits if {
	findings := stop.deny with input as job({"spec": {"containers": [{"name": "main", "command": ["python"]}]}})
		with data.inventory as {}
		with data.meshguard.config.mesh as mesh
	ids(findings) == {"proxyNeverExits"}
}

test_quitquitquit_without_post if {
	pod := {"spec": {"containers": [{"name": "main", "command": ["sh", "-c", "run; curl localhost:15020/quitquitquit"]}]}}
	ids(stop.deny) == {"quitquitquitNotPost"} with input as job(pod) with data.inventory as {} with data.meshguard.config.mesh as mesh
}

test_quitquitquit_with_post_is_a_warning if {
	pod := {"spec": {"containers": [{"name": "main", "command": ["sh", "-c", "run; curl -X POST localhost:15020/quitquitquit"]}]}}
	some f in stop.deny with input as job(pod) with data.inventory as {} with data.meshguard.config.mesh as mesh
	f.messageId == "quitquitquitFragile"
	f.severity == "warning"
}

test_native_sidecar_needs_no_stop if {
	pod := {"metadata": {"annotations": {"sidecar.istio.io/nativeSidecar": "true"}}, "spec": {"containers": [{"name": "main"}]}}
	count(stop.deny) == 0 with input as job(pod) with data.inventory as {} with data.meshguard.config.mesh as mesh
}
