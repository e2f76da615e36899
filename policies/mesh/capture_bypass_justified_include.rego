# METADATA
# description: includeInboundPorts bypasses of capture-bypass-justified (its own package keeps each compiled module small).
# custom:
#   id: capture-bypass-justified
#   inventory: [Namespace]
package meshguard.mesh.capture_bypass_justified_include

import rego.v1

import data.meshguard.lib.capture_ports as parse
import data.meshguard.lib.capture

annotations := capture.annotations

key := capture.keys

plural(noun, many) := capture.plural(noun, many)

# The bypasses first: most pods have none, and then the injection decision is never computed.
deny contains capture.finding(bypass) if {
	some bypass in bypasses
	capture.needs_reason
}

ports(name) := parse.port_list(annotations[key[name]]).ports

runs(list) := parse.runs(list)

describe_ranges(rs) := parse.describe_ranges(rs)

# includeInboundPorts defaults to "*"; a list captures only those ports, "" turns inbound capture off.
bypasses contains {"switch": "includeInboundPorts", "path": capture.path_of(key["includeInboundPorts"]), "description": desc} if {
	annotations[key["includeInboundPorts"]] != "*"
	desc := inbound_all_except(runs(ports("includeInboundPorts")))
}

# Every port but the listed runs: "all inbound traffic", "inbound traffic on all ports except ...",
# or the remaining ranges when the holes are at the edges or many (describePorts).
inbound_all_except(rs) := "all inbound traffic" if count(rs) == 0

inbound_all_except(rs) := concat("", ["inbound traffic on all ports except ", describe_ranges(rs)]) if {
	count(rs) > 0
	edge_free_few(rs)
}

inbound_all_except(rs) := concat("", ["inbound ", plural("port", regex.match(`[,-]`, text)), " ", text]) if {
	count(rs) > 0
	not edge_free_few(rs)
	text := describe_ranges(complement(rs))
}

edge_free_few(rs) if {
	count(rs) <= 5
	rs[0][0] > 0
	rs[count(rs) - 1][1] < 65535
}

complement(rs) := [r |
	bounds := array.concat(array.concat([[-1, -1]], rs), [[65536, 65536]])
	some i in numbers.range(0, count(bounds) - 2)
	r := [bounds[i][1] + 1, bounds[i + 1][0] - 1]
	r[0] <= r[1]
]

