package meshguard.mesh.injection_labels_test

import rego.v1

import data.meshguard.mesh.injection_labels

namespace(labels) := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments", "labels": labels}}

deployment(metadata) := {
	"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "namespace": "payments"},
	"spec": {"template": object.union(metadata, {"spec": {"containers": [{"name": "api"}]}})},
}

message_ids(findings) := {f.messageId | some f in findings}

test_enabled_namespace_passes if {
	count(injection_labels.deny) == 0 with input as namespace({"istio-injection": "enabled"})
}

test_namespace_typo_is_reported if {
	findings := injection_labels.deny with input as namespace({"istio-injection": "true"})
	message_ids(findings) == {"badNamespaceValue"}
	some f in findings
	f.path == ["metadata", "labels", "istio-injection"]
}

test_label_and_revision_is_reported if {
	findings := injection_labels.deny with input as namespace({"istio-injection": "enabled", "istio.io/rev": "canary"})
	message_ids(findings) == {"labelAndRevision"}
}

test_pod_yes_reads_as_true if {
	findings := injection_labels.deny with input as deployment({"metadata": {"labels": {"sidecar.istio.io/inject": "yes"}}})
	some f in findings
	f.messageId == "badPodValue"
	endswith(f.msg, "Istio reads it as true")
	f.path == ["spec", "template", "metadata", "labels", "sidecar.istio.io/inject"]
}

test_label_annotation_disagree if {
	findings := injection_labels.deny with input as deployment({"metadata": {
		"labels": {"sidecar.istio.io/inject": "true"},
		"annotations": {"sidecar.istio.io/inject": "false"},
	}})
	message_ids(findings) == {"labelAnnotationDisagree"}
}

test_unambiguous_pod_passes if {
	count(injection_labels.deny) == 0 with input as deployment({"metadata": {"labels": {"sidecar.istio.io/inject": "false"}}})
}
