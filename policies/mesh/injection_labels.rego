# METADATA
# title: Sidecar injection switches must be unambiguous
# description: >-
#   Namespace `istio-injection` must be exactly "enabled" or "disabled" and must not be combined with `istio.io/rev`;
#   pod `sidecar.istio.io/inject` must be exactly "true" or "false", and the deprecated annotation form must not disagree with the label.
# related_resources:
#   - ref: https://gitlab.com/meshguard/meshguard/-/blob/main/docs/rules/injection-labels.md
# custom:
#   id: injection-labels
#   inventory: []
#   severity: error
#   tags: [mesh, injection]
#   kinds: [Namespace, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]
package meshguard.mesh.injection_labels

# Istio reads injection switches loosely: a pod label `y`, `yes` or `on` means true and any other
# non-empty value means false (pkg/kube/inject). A typo therefore turns the sidecar off without a word.

import rego.v1

import data.meshguard.lib.workload

inject := "sidecar.istio.io/inject"

namespace_injection := "istio-injection"

revision := "istio.io/rev"

namespace_labels := workload.labels(input) if input.kind == "Namespace"

deny contains finding if {
	value := namespace_labels[namespace_injection]
	not value in {"enabled", "disabled"}
	finding := {
		"path": ["metadata", "labels", namespace_injection],
		"messageId": "badNamespaceValue",
		"msg": concat("", ["namespace label ", namespace_injection, "=\"", value, "\" is neither \"enabled\" nor \"disabled\": Istio ignores it"]),
	}
}

deny contains finding if {
	value := namespace_labels[namespace_injection]
	rev := namespace_labels[revision]
	finding := {
		"path": ["metadata", "labels", revision],
		"messageId": "labelAndRevision",
		"msg": concat("", [
			"namespace has both ", namespace_injection, "=\"", value, "\" and ", revision, "=\"", rev,
			"\": ", namespace_injection, " wins and the revision label is ignored",
		]),
	}
}

template := workload.pod_template(input) if input.kind != "Namespace"

metadata_path := array.concat(template.path, ["metadata"])

deny contains finding if {
	label := template.labels[inject]
	not label in {"true", "false"}
	finding := {
		"path": array.concat(metadata_path, ["labels", inject]),
		"messageId": "badPodValue",
		"msg": concat("", ["pod label ", inject, "=\"", label, "\" is not \"true\" or \"false\": Istio reads it as ", read_as(label)]),
	}
}

deny contains finding if {
	annotation := template.annotations[inject]
	not annotation in {"true", "false"}
	finding := {
		"path": array.concat(metadata_path, ["annotations", inject]),
		"messageId": "badPodValue",
		"msg": concat("", ["pod annotation ", inject, "=\"", annotation, "\" is not \"true\" or \"false\""]),
	}
}

deny contains finding if {
	label := template.labels[inject]
	annotation := template.annotations[inject]
	label != annotation
	finding := {
		"path": array.concat(metadata_path, ["annotations", inject]),
		"messageId": "labelAnnotationDisagree",
		"msg": concat("", [
			"pod label ", inject, "=\"", label, "\" and the deprecated annotation =\"", annotation,
			"\" disagree; the label wins — remove the annotation",
		]),
	}
}

read_as(value) := "true" if {
	lower(value) in {"y", "yes", "on"}
} else := "false"
