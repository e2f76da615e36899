package meshguard.mesh.capture_bypass_justified_test

import rego.v1

import data.meshguard.mesh.capture_bypass_justified as capture

pod(annotations) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "data", "annotations": annotations}, "spec": {}}

test_malformed_port if {
	some f in capture.deny with input as pod({"traffic.sidecar.istio.io/excludeInboundPorts": "5701,hazelcast"})
	f.messageId == "malformedPort"
	startswith(f.msg, "traffic.sidecar.istio.io/excludeInboundPorts: 'hazelcast' is not a port")
	f.path == ["metadata", "annotations", "traffic.sidecar.istio.io/excludeInboundPorts"]
}

test_cidr_with_space if {
	some f in capture.deny with input as pod({"traffic.sidecar.istio.io/excludeOutboundIPRanges": "10.0.0.0/8, 192.168.0.0/16"})
	f.messageId == "malformedCidr"
	contains(f.msg, "' 192.168.0.0/16' is not a CIDR block")
}

test_ipv6_and_star_are_fine if {
	count(capture.deny) == 0 with input as pod({
		"traffic.sidecar.istio.io/excludeOutboundIPRanges": "fd00::/8,::ffff:10.0.0.1/128",
		"traffic.sidecar.istio.io/includeOutboundIPRanges": "*",
	})
}

test_interception_mode_is_case_sensitive if {
	{f.messageId | some f in capture.deny} == {"malformedInterceptionMode"} with input as pod({"sidecar.istio.io/interceptionMode": "none"})
}
