# What the job-sidecar-termination guardrail knows about the Job/CronJob under review (`input`):
# its pod template, injection decision and containers, shared by the rule's packages.
package meshguard.lib.jobs

import rego.v1

import data.meshguard.lib.injection
import data.meshguard.lib.workload

# A Job created by a CronJob is judged through its CronJob.
owned if count(object.get(input, ["metadata", "ownerReferences"], [])) > 0

template := workload.pod_template(input) if not owned

decision := injection.decision(input) if not owned

namespace := injection.namespace_of(input)

# The proxy must be stopped by the workload itself: injected, and not a native sidecar.
needs_stop if {
	decision.injected
	not decision.nativeSidecar
}

# Containers that are objects, with their path and display name.
containers := [c |
	some i, container in template.spec.containers
	is_object(container)
	c := {
		"container": container,
		"path": array.concat(template.path, ["spec", "containers", i]),
		"name": container_name(container, i),
	}
] if {
	is_array(object.get(template.spec, "containers", null))
} else := []

container_name(container, i) := container.name if {
	is_string(container.name)
} else := sprintf("#%d", [i])

command_of(container) := [c | some c in container.command; is_string(c)] if {
	is_array(container.command)
} else := []

args_of(container) := [a | some a in container.args; is_string(a)] if {
	is_array(container.args)
} else := []

command_text(container) := concat(" ", array.concat(command_of(container), args_of(container)))

command_path(entry) := array.concat(entry.path, ["command"]) if {
	is_array(entry.container.command)
} else := entry.path

first_command(container) := command_of(container)[0] if count(command_of(container)) > 0

first_command(container) := "" if count(command_of(container)) == 0

basename(command) := parts[count(parts) - 1] if parts := split(command, "/")

scuttle_indexes := [i | some i, entry in containers; basename(first_command(entry.container)) == "scuttle"]

scuttle := containers[scuttle_indexes[0]] if count(scuttle_indexes) > 0

quitter_indexes := [i | some i, entry in containers; contains(command_text(entry.container), ":15020/quitquitquit")]

quitter := containers[quitter_indexes[0]] if {
	not scuttle
	count(quitter_indexes) > 0
}
