package meshguard.mesh.capture_bypass_justified_other_test

import rego.v1

import data.meshguard.mesh.capture_bypass_justified_other as other

test_uid_1337 if {
	pod := {"kind": "Pod", "metadata": {}, "spec": {"containers": [{"name": "a", "securityContext": {"runAsUser": 1337}}]}}
	[f.path | some f in other.deny] == [["spec", "containers", 0, "securityContext", "runAsUser"]] with input as pod
		with data.meshguard.config.mesh as {"injectByDefault": true, "ignoredNamespaces": [], "nativeSidecars": false}
}
