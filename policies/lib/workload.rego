# Pod templates of pod-bearing workloads, as src/model/workload.ts reads them: where the template
# sits, and its labels/annotations restricted to string values (what Kubernetes accepts).
package meshguard.lib.workload

import rego.v1

pod_bearing_kinds := {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"}

template_paths := {
	"Pod": [],
	"Deployment": ["spec", "template"],
	"StatefulSet": ["spec", "template"],
	"DaemonSet": ["spec", "template"],
	"ReplicaSet": ["spec", "template"],
	"ReplicationController": ["spec", "template"],
	"Job": ["spec", "template"],
	"CronJob": ["spec", "jobTemplate", "spec", "template"],
}

# The pod template of a workload: {path, metadata, spec, labels, annotations}; undefined when absent.
pod_template(resource) := template if {
	path := template_paths[resource.kind]
	raw := object.get(resource, path, null)
	is_object(raw)
	metadata := object_or_empty(raw, "metadata")
	template := {
		"path": path,
		"metadata": metadata,
		"spec": object_or_empty(raw, "spec"),
		"labels": string_map(object.get(metadata, "labels", {})),
		"annotations": string_map(object.get(metadata, "annotations", {})),
	}
}

# Complementary definitions are written as else chains: the second is tried only when the first fails.
object_or_empty(value, key) := value[key] if {
	is_object(value[key])
} else := {}

# Labels and annotations are string maps in nearly every manifest: keep the object as it is then.
string_map(value) := value if {
	is_object(value)
	every v in value {
		is_string(v)
	}
} else := {k: v | some k, v in value; is_string(v)} if {
	is_object(value)
} else := {}

# The resource's own labels/annotations (string values only).
labels(resource) := string_map(object.get(resource, ["metadata", "labels"], {}))

annotations(resource) := string_map(object.get(resource, ["metadata", "annotations"], {}))
