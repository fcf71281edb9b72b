// Package api is the aggregator's query API: HTTP JSON, the same answers as
// a NATS request/reply service (nats.go micro), Prometheus metrics, and the
// Go client the esdoctor CLI uses.
//
// # HTTP (default 127.0.0.1:9800)
//
//	GET /api/v1/diagnoses?state=open|resolved|all&code=CODE&cluster=NAME
//	    a JSON array of diagnoses (shared/diagnosis), default state open, in
//	    the contract's order (severity, code, clusters, nodes); with
//	    state=all the open ones come first
//	GET /api/v1/diagnoses/{id}   one diagnosis, open or resolved (404 if unknown)
//	GET /api/v1/nodes            a JSON array of Node, sorted by cluster and node
//	GET /api/v1/codes            the catalog: {"diagnoses": [...], "symptoms": [...]}
//	GET /healthz                 Health; 200 when ready, 503 while starting
//	GET /metrics                 Prometheus text format
//
// Errors are {"error": "..."} with status 400 (bad query), 404, 405 or 503
// (the aggregator is still rebuilding its model; nothing is answered from a
// half-built model).
//
// # NATS (micro service "esdoctor-aggregator")
//
//	esdoctor.v1.api.diagnoses   request: a Query as JSON (or empty) → the same array as HTTP
//	esdoctor.v1.api.diagnosis   request: {"id": "..."} → one diagnosis
//	esdoctor.v1.api.nodes       request: empty → the same array as HTTP
//	esdoctor.v1.api.codes       request: empty → the catalog
//
// Errors are micro errors (headers Nats-Service-Error-Code 400/404/503 and
// Nats-Service-Error). Several aggregators answer in one queue group, so a
// request gets one answer.
//
// The console's endpoints (console.go, http_console.go, events.go):
//
//	GET  /api/v1/clusters                      the pair graph (Clusters)
//	GET  /api/v1/events                        Server-Sent Events: hello, diagnosis, ack
//	GET  /api/v1/catalog                       the same as /api/v1/codes
//	GET  /api/v1/diagnoses/{id}/acks           the acknowledgement history
//	GET  /api/v1/diagnoses/{id}/certificates   the certificates of its connection compared
//	POST /api/v1/diagnoses/{id}/ack|mute|unack an AckRequest as JSON
//	GET  /api/v1/nodes?cluster=NAME            the nodes of one cluster
//
// and over NATS esdoctor.v1.api.clusters, catalog, ack, mute, unack, acks.
//
// # Security
//
// Diagnoses hold setting names, file paths, host names, addresses and API
// key ids (which Elasticsearch itself logs), never secret values. From
// loopback the HTTP API answers everyone; beyond loopback every endpoint but
// /healthz and the page's static files needs a token (Tokens, from
// --api-token-file): a read token for the GET endpoints, an ack token for
// acknowledging and muting. Restrict the NATS subjects esdoctor.v1.api.>
// with NATS permissions.
package api
