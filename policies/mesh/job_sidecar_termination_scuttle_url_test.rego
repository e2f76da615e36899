package meshguard.mesh.job_sidecar_termination_scuttle_url_test

import rego.v1

import data.meshguard.mesh.job_sidecar_termination_scuttle_url as url

test_remote_admin_api if {
	env := [{"name": "ENVOY_ADMIN_API", "value": "http://proxy.etl:15000"}]
	job := {"kind": "Job", "metadata": {"namespace": "etl"}, "spec": {"template": {"spec": {"containers": [{"command": ["scuttle"], "env": env}]}}}}
	[f.msg | some f in url.deny] == [`ENVOY_ADMIN_API "http://proxy.etl:15000" is not the pod's own proxy: use http://127.0.0.1:15000`] with input as job
		with data.meshguard.config.mesh as {"injectByDefault": true, "ignoredNamespaces": [], "nativeSidecars": false}
}
