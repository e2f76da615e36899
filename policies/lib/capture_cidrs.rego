# Istio's capture CIDR lists as the injector validates them (validateCIDRList, parseCidr in TypeScript).
package meshguard.lib.capture_cidrs

import rego.v1

import data.meshguard.lib.capture

traffic := "traffic.sidecar.istio.io/"

# validateCIDRList: split on commas, each element must parse as-is (no trimming).
cidr_list(value) := {"cidrs": []} if value == ""

cidr_list(value) := cidr_result(tokens, [t | some t in tokens; not valid_cidr(t)]) if {
	value != ""
	tokens := split(value, ",")
}

# An unrendered value (a kustomize or envsubst placeholder) is no CIDR yet: it is checked once rendered.
cidr_result(_, bad) := {"unrendered": bad[0]} if {
	count(bad) > 0
	capture.placeholder(bad[0])
}

cidr_result(_, bad) := {"bad": bad[0]} if {
	count(bad) > 0
	not capture.placeholder(bad[0])
}

cidr_result(tokens, bad) := {"cidrs": tokens} if count(bad) == 0

valid_cidr(text) if {
	parts := split(text, "/")
	count(parts) == 2
	regex.match(`^[0-9]{1,3}$`, parts[1])
	valid_address(parts[0], to_number(parts[1]))
}

valid_address(address, prefix) if {
	not contains(address, ":")
	valid_ipv4(address)
	prefix <= 32
}

valid_address(address, prefix) if {
	contains(address, ":")
	not contains(address, "%")
	prefix <= 128
	halves := split(address, "::")
	count(halves) <= 2
	head := groups(halves[0])
	tail := groups(second_half(halves))
	missing := (8 - head) - tail
	complete(count(halves), missing)
}

second_half(halves) := halves[1] if count(halves) == 2

second_half(halves) := "" if count(halves) == 1

complete(2, missing) if missing >= 1

complete(1, 0)

# Go rejects leading zeros (ambiguous octal) since 1.17.
valid_ipv4(text) if {
	octets := split(text, ".")
	count(octets) == 4
	every octet in octets {
		regex.match(`^(0|[1-9][0-9]{0,2})$`, octet)
		to_number(octet) <= 255
	}
}

# How many 16-bit groups a colon-separated part holds (an embedded IPv4 address may end it).
groups(part) := 0 if part == ""

groups(part) := sum([width(p, i == count(pieces) - 1) | some i, p in pieces]) if {
	part != ""
	pieces := split(part, ":")
	every i, p in pieces {
		valid_piece(p, i == count(pieces) - 1)
	}
}

valid_piece(p, true) if {
	contains(p, ".")
	valid_ipv4(p)
}

valid_piece(p, _) if regex.match(`^[0-9a-fA-F]{1,4}$`, p)

width(p, true) := 2 if {
	contains(p, ".")
} else := 1

width(p, false) := 1 if not contains(p, ".")

cidr_annotations(annotations) := {name |
	some name in ["excludeOutboundIPRanges", "includeOutboundIPRanges"]
	value := annotations[capture.keys[name]]
	not star_include(name, value)
}

star_include(name, "*") if startswith(name, "include")
