# METADATA
# description: IP range bypasses of capture-bypass-justified (its own package keeps each compiled module small).
# custom:
#   id: capture-bypass-justified
#   inventory: [Namespace]
package meshguard.mesh.capture_bypass_justified_cidrs

import rego.v1

import data.meshguard.lib.capture_cidrs as parse
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

cidrs(name) := parse.cidr_list(annotations[key[name]]).cidrs

bypasses contains {"switch": "excludeOutboundIPRanges", "path": path_of(key["excludeOutboundIPRanges"]), "description": desc} if {
	count(cidrs("excludeOutboundIPRanges")) > 0
	desc := concat("", ["outbound traffic to ", concat(", ", cidrs("excludeOutboundIPRanges"))])
}

bypasses contains {"switch": "includeOutboundIPRanges", "path": path_of(key["includeOutboundIPRanges"]), "description": desc} if {
	annotations[key["includeOutboundIPRanges"]] != "*"
	list := cidrs("includeOutboundIPRanges")
	desc := outside(list)
}

outside(list) := "all outbound traffic" if count(list) == 0

outside(list) := concat("", ["outbound traffic to every address outside ", concat(", ", list)]) if count(list) > 0

