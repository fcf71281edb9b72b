package meshlog

import (
	"path/filepath"
	"strings"
)

// Component is what wrote a log line.
type Component string

const (
	// Unknown: nothing says; the line's own layout decides.
	Unknown Component = ""
	// Istiod: the control plane (istiod, pilot-discovery, the older
	// sidecar injector and Citadel).
	Istiod Component = "istiod"
	// Proxy: a sidecar or gateway (pilot-agent and Envoy, container
	// istio-proxy).
	Proxy Component = "istio-proxy"
	// Other: known not to be Istio (kube-apiserver, kubelet, cert-manager,
	// Linkerd, Consul, Elasticsearch, ...). Nothing of it is a mesh symptom.
	Other Component = "other"
)

// otherMarkers name components that are not Istio's even when their name
// holds "istio" (cert-manager's istio-csr).
var otherMarkers = []string{"istio-csr", "cert-manager", "kube-apiserver", "apiserver", "kubelet", "linkerd", "consul",
	"nomad", "etcd", "elasticsearch", "kibana", "coredns", "kube-proxy", "kube-controller", "kube-scheduler", "webhook"}

// ComponentOfName classifies a pod or container name, or a file name made
// of them.
func ComponentOfName(name string) Component {
	n := strings.ToLower(name)
	switch {
	case n == "":
		return Unknown
	case strings.Contains(n, "istio-proxy"), strings.Contains(n, "istio-ingressgateway"), strings.Contains(n, "istio-egressgateway"):
		return Proxy
	case strings.Contains(n, "istiod"), strings.Contains(n, "istio-pilot"), strings.Contains(n, "pilot-discovery"),
		strings.Contains(n, "istio-sidecar-injector"), strings.Contains(n, "sidecar-injector-webhook"), strings.Contains(n, "istio-citadel"):
		for _, m := range []string{"istio-csr", "cert-manager"} {
			if strings.Contains(n, m) {
				return Other
			}
		}
		return Istiod
	}
	for _, m := range otherMarkers {
		if strings.Contains(n, m) {
			return Other
		}
	}
	return Unknown
}

// ComponentOfPath names the component of a log file from its path:
// /var/log/containers/<pod>_<namespace>_<container>-<id>.log,
// /var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log, or any file
// whose name holds istiod/istio-proxy (a saved `kubectl logs`).
func ComponentOfPath(path string) Component {
	p := filepath.ToSlash(path)
	base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(p), ".gz"), ".log")
	if i := strings.Index(p, "/pods/"); i >= 0 {
		parts := strings.Split(p[i+len("/pods/"):], "/")
		if len(parts) >= 3 {
			pod := parts[0]
			if f := strings.Split(pod, "_"); len(f) == 3 {
				pod = f[1]
			}
			return pickComponent(pod, parts[1])
		}
	}
	if f := strings.Split(base, "_"); len(f) == 3 {
		container := f[2]
		if i := strings.LastIndexByte(container, '-'); i > 0 && len(container)-i-1 == 64 {
			container = container[:i]
		}
		return pickComponent(f[0], container)
	}
	return ComponentOfName(base)
}

// pickComponent decides from a pod and a container name: the container
// wins (istio-proxy in any pod is the sidecar; "discovery" in an istiod pod
// is istiod).
func pickComponent(pod, container string) Component {
	if c := ComponentOfName(container); c != Unknown {
		return c
	}
	pc := ComponentOfName(pod)
	if pc == Istiod && container != "discovery" && container != "" && !strings.Contains(container, "istio") && !strings.Contains(container, "pilot") {
		return Other // another container of an istiod-named pod
	}
	return pc
}
