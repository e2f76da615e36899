# METADATA
# title: Injected Jobs and CronJobs must stop their proxy
# description: >-
#   An injected Job/CronJob pod never completes unless the proxy is told to quit: use native sidecars, scuttle
#   (ENVOY_ADMIN_API and ISTIO_QUIT_API on localhost, NEVER_KILL_ISTIO not "true"), or a POST to :15020/quitquitquit;
#   or opt out of injection with a meshguard.io/no-sidecar-reason. activeDeadlineSeconds is the backstop.
# related_resources:
#   - ref: https://gitlab.com/meshguard/meshguard/-/blob/main/docs/rules/job-sidecar-termination.md
# custom:
#   id: job-sidecar-termination
#   inventory: [Namespace]
#   severity: error
#   tags: [mesh, jobs]
#   kinds: [Job, CronJob]
package meshguard.mesh.job_sidecar_termination

# "The sidecar keeps the CronJob running": a Job's pod completes only when every container exits, and
# istio-proxy never does on its own (istio#11659). Until native sidecars, the fix was scuttle around
# the main command, which waits for Envoy and then POSTs to pilot-agent's /quitquitquit.

import rego.v1

import data.meshguard.lib.injection
import data.meshguard.lib.jobs
import data.meshguard.lib.workload

no_sidecar_reason := "meshguard.io/no-sidecar-reason"

template := jobs.template

decision := jobs.decision

namespace := jobs.namespace

deny contains finding if {
	not decision.injected
	decision.reason in {"podLabel", "podAnnotation"}
	trim_space(object.get(template.annotations, no_sidecar_reason, "")) == ""
	injection.namespace_injected(namespace)
	finding := {
		"path": object.get(decision, "path", array.concat(template.path, ["metadata"])),
		"messageId": "optOutWithoutReason",
		"severity": "warning",
		"msg": concat("", [
			input.kind, " opts out of injection (", injection.describe(decision, namespace), ") in injected namespace ", namespace,
			": its pods run without mTLS or egress control, against the mTLS and egress guardrails; justify it with ", no_sidecar_reason,
		]),
	}
}

job_spec_path := ["spec", "jobTemplate", "spec"] if input.kind == "CronJob"

job_spec_path := ["spec"] if input.kind != "CronJob"

deny contains finding if {
	decision.injected
	not is_number(object.get(input, array.concat(job_spec_path, ["activeDeadlineSeconds"]), null))
	finding := {
		"path": job_spec_path,
		"messageId": "missingActiveDeadline",
		"severity": "warning",
		"msg": concat("", ["injected ", input.kind, " sets no activeDeadlineSeconds: if the proxy is ever left running the Job never ends and its pod keeps holding quota; set one as a backstop"]),
	}
}

deny contains finding if {
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
