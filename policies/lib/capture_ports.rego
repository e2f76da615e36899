# Istio's capture port lists as the injector validates them (pkg/kube/inject validate.go), and their
# descriptions in messages (parsePortList, describePorts in TypeScript).
package meshguard.lib.capture_ports

import rego.v1

import data.meshguard.lib.capture

traffic := "traffic.sidecar.istio.io/"

# parsePorts: trim the value, split on commas, each element trimmed and an integer 0-65535.
port_list(value) := {"ports": []} if trim_space(value) == ""

port_list(value) := port_result(tokens, [t | some t in tokens; not valid_port(trim_space(t))]) if {
	trim_space(value) != ""
	tokens := split(trim_space(value), ",")
}

# An unrendered value (a kustomize or envsubst placeholder) is no port yet: it is checked once rendered.
port_result(_, bad) := {"unrendered": bad[0]} if {
	count(bad) > 0
	capture.placeholder(trim_space(bad[0]))
}

port_result(_, bad) := {"bad": bad[0]} if {
	count(bad) > 0
	not capture.placeholder(trim_space(bad[0]))
}

port_result(tokens, bad) := {"ports": [to_number(trim_space(t)) | some t in tokens]} if count(bad) == 0

valid_port(text) if {
	regex.match(`^[0-9]+$`, text)
	to_number(text) <= 65535
}

plural(noun, true) := concat("", [noun, "s"])

plural(noun, false) := noun

# Sorted, merged runs of ports: [[from, to], ...].
runs(list) := [[sorted[s], sorted[e]] |
	sorted := sort({p | some p in list})
	some k, s in starts(sorted)
	e := ends(sorted)[k]
]

starts(sorted) := [i | some i, p in sorted; not adjacent_before(sorted, i)]

ends(sorted) := [i | some i, p in sorted; not adjacent_after(sorted, i)]

adjacent_before(sorted, i) if sorted[i - 1] == sorted[i] - 1

adjacent_after(sorted, i) if sorted[i + 1] == sorted[i] + 1

range_text(r) := sprintf("%d", [r[0]]) if r[0] == r[1]

range_text(r) := sprintf("%d-%d", [r[0], r[1]]) if r[0] != r[1]

describe_ranges(rs) := concat(", ", [range_text(r) | some r in rs])
