# METADATA
# description: How job-sidecar-termination checks that the workload stops its proxy (its own package keeps each compiled module small).
# custom:
#   id: job-sidecar-termination
#   inventory: [Namespace]
package meshguard.mesh.job_sidecar_termination_stop

import rego.v1

import data.meshguard.lib.injection
import data.meshguard.lib.jobs

template := jobs.template

decision := jobs.decision

namespace := jobs.namespace

deny contains finding if {
	jobs.quitter
	jobs.needs_stop
	post := regex.match(`(?i)(-X\s*POST|--request[=\s]+POST|--data\b|-d\s|--post-data|--method[=\s]+POST)`, jobs.command_text(jobs.quitter.container))
	finding := quit_finding(jobs.quitter, post)
}

quit_finding(entry, true) := {
	"path": jobs.command_path(entry),
	"messageId": "quitquitquitFragile",
	"severity": "warning",
	"msg": concat("", ["container ", entry.name, " stops the proxy by POSTing to :15020/quitquitquit itself: it is skipped when the command fails early or is killed; prefer native sidecars or scuttle"]),
}

quit_finding(entry, false) := {
	"path": jobs.command_path(entry),
	"messageId": "quitquitquitNotPost",
	"msg": concat("", ["container ", entry.name, " calls :15020/quitquitquit without POST: pilot-agent only accepts POST there, so the proxy keeps running"]),
}

hold_note := " (holdApplicationUntilProxyStarts in proxy.istio.io/config only delays the app until the proxy is up; it never stops the proxy)" if {
	regex.match(`holdApplicationUntilProxyStarts["']?\s*:\s*["']?true`, object.get(template.annotations, "proxy.istio.io/config", ""))
} else := ""

deny contains finding if {
	jobs.needs_stop
	not jobs.scuttle
	not jobs.quitter
	finding := {
		"path": never_exits_path,
		"messageId": "proxyNeverExits",
		"msg": concat("", [
			"injected ", input.kind, " (", injection.describe(decision, namespace), ") never completes: istio-proxy keeps running after ",
			main_name, " exits", hold_note, "; ",
			"enable native sidecars (sidecar.istio.io/nativeSidecar: \"true\"), wrap the command in scuttle, or opt out with sidecar.istio.io/inject: \"false\" and a meshguard.io/no-sidecar-reason",
		]),
	}
}

never_exits_path := jobs.command_path(jobs.containers[0]) if count(jobs.containers) > 0

never_exits_path := array.concat(template.path, ["spec"]) if count(jobs.containers) == 0

main_name := concat("", ["container ", jobs.containers[0].name]) if count(jobs.containers) > 0

main_name := "the main container" if count(jobs.containers) == 0
