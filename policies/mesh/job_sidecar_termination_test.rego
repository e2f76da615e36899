package meshguard.mesh.job_sidecar_termination_test

import rego.v1

import data.meshguard.mesh.job_sidecar_termination as jst

mesh := {"ignoredNamespaces": ["kube-system"], "injectByDefault": false, "nativeSidecars": false}

injected_ns := {"cluster": {"v1": {"Namespace": {"etl": {"metadata": {"name": "etl", "labels": {"istio-injection": "enabled"}}}}}}}

job(pod) := {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "etl"}, "spec": {"template": pod}}

ids(findings) := {f.messageId | some f in findings}

test_plain_injected_job_has_no_deadline if {
	findings := jst.deny with input as job({"spec": {"containers": [{"name": "main", "command": ["python"]}]}})
		with data.inventory as injected_ns
		with data.meshguard.config.mesh as mesh
	ids(findings) == {"missingActiveDeadline"}
}

test_native_sidecar_only_needs_a_deadline if {
	pod := {"metadata": {"annotations": {"sidecar.istio.io/nativeSidecar": "true"}}, "spec": {"containers": [{"name": "main"}]}}
	findings := jst.deny with input as job(pod) with data.inventory as injected_ns with data.meshguard.config.mesh as mesh
	ids(findings) == {"missingActiveDeadline"}
}

test_uninjected_namespace_is_quiet if {
	count(jst.deny) == 0 with input as job({"spec": {"containers": [{"name": "main"}]}})
		with data.inventory as {"cluster": {}}
		with data.meshguard.config.mesh as mesh
}

test_opt_out_without_reason_in_injected_namespace if {
	pod := {"metadata": {"labels": {"sidecar.istio.io/inject": "false"}}, "spec": {"containers": [{"name": "main"}]}}
	findings := jst.deny with input as job(pod) with data.inventory as injected_ns with data.meshguard.config.mesh as mesh
	ids(findings) == {"optOutWithoutReason"}
	some f in findings
	f.severity == "warning"
	f.path == ["spec", "template", "metadata", "labels", "sidecar.istio.io/inject"]
}
