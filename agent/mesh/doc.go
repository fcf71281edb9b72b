// Package mesh holds the service-mesh pack (Istio / Anthos Service Mesh):
// logs of istiod and the istio-proxy sidecars (meshlog), the mesh's own
// Kubernetes objects saved with kubectl (objects), and the mTLS certificate
// checks of guide 002 (certcheck). Everything here runs only when the pack
// is configured (agent config `mesh:`, `scan --mesh`, `collect --mesh-*`);
// with it off nothing mesh-related is read.
package mesh
