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
