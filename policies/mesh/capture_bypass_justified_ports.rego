# METADATA
# description: Port bypasses of capture-bypass-justified (its own package keeps each compiled module small).
# custom:
#   id: capture-bypass-justified
#   inventory: [Namespace]
package meshguard.mesh.capture_bypass_justified_ports

import rego.v1

import data.meshguard.lib.capture_ports as parse
import data.meshguard.lib.capture

template := capture.template

annotations := capture.annotations

key := capture.keys

path_of(k) := capture.path_of(k)

plural(noun, many) := capture.plural(noun, many)

# The bypasses first: most pods have none, and then the injection decision is never computed.
deny contains capture.finding(bypass) if {
	some bypass in bypasses
	capture.needs_reason
}

ports(name) := parse.port_list(annotations[key[name]]).ports

runs(list) := parse.runs(list)

describe_ranges(rs) := parse.describe_ranges(rs)

bypasses contains {"switch": "excludeInboundPorts", "path": path_of(key["excludeInboundPorts"]), "description": desc} if {
	count(ports("excludeInboundPorts")) > 0
	text := describe_ranges(runs(ports("excludeInboundPorts")))
	desc := concat("", ["inbound ", plural("port", regex.match(`[,-]`, text)), " ", text])
}

bypasses contains {"switch": "excludeOutboundPorts", "path": path_of(key["excludeOutboundPorts"]), "description": desc} if {
	count(ports("excludeOutboundPorts")) > 0
	text := describe_ranges(runs(ports("excludeOutboundPorts")))
	desc := concat("", ["outbound ", plural("port", regex.match(`[,-]`, text)), " ", text])
}

