package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/acks"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// HandlerOptions configure NewHandler. Every field is optional.
type HandlerOptions struct {
	// Gatherer serves /metrics; nil serves the default registry.
	Gatherer prometheus.Gatherer
	// Logger, named "api". Default: no logs.
	Logger *zap.Logger
	// Broker feeds GET /api/v1/events; nil answers 404 there.
	Broker *Broker
	// Tokens are the API tokens; beyond loopback every endpoint but
	// /healthz and the page's static files needs one (nil: none is valid,
	// so only loopback is served).
	Tokens *Tokens
	// UI serves the console page at / and /ui/ (nil: none).
	UI http.Handler
}

// NewHandler returns the HTTP API over src.
func NewHandler(src Source, o HandlerOptions) http.Handler {
	if o.Gatherer == nil {
		o.Gatherer = prometheus.DefaultGatherer
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	h := &handler{src: src, log: o.Logger.Named("api"), broker: o.Broker, tokens: o.Tokens}
	h.console, _ = src.(Console)
	read := func(f http.HandlerFunc) http.HandlerFunc { return h.auth(ScopeRead, f) }
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathDiagnoses, read(h.ready(h.diagnoses)))
	mux.HandleFunc("GET "+PathDiagnoses+"/{id}", read(h.ready(h.diagnosis)))
	mux.HandleFunc("GET "+PathDiagnoses+"/{id}/acks", read(h.ready(h.ackHistory)))
	mux.HandleFunc("GET "+PathDiagnoses+"/{id}/certificates", read(h.ready(h.certificates)))
	for _, action := range []string{acks.ActionAck, acks.ActionMute, acks.ActionUnack} {
		mux.HandleFunc("POST "+PathDiagnoses+"/{id}/"+action, h.auth(ScopeAck, h.ready(h.acknowledge(action))))
	}
	mux.HandleFunc("GET "+PathNodes, read(h.ready(h.nodes)))
	mux.HandleFunc("GET "+PathClusters, read(h.ready(h.clusters)))
	mux.HandleFunc("GET "+PathEvents, read(h.events))
	mux.HandleFunc("GET "+PathCodes, read(h.codes))
	mux.HandleFunc("GET "+PathCatalog, read(h.codes))
	mux.HandleFunc("GET "+PathPorts+"/{cluster}", read(h.ready(h.ports)))
	mux.HandleFunc("GET "+PathHealth, h.health)
	mux.Handle("GET "+PathMetrics, read(promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{}).ServeHTTP))
	if o.UI != nil {
		mux.Handle("GET /{$}", o.UI)
		mux.Handle("GET /ui/", o.UI)
	}
	mux.HandleFunc("/", h.notFound)
	return h.methods(mux)
}

type handler struct {
	src     Source
	console Console
	log     *zap.Logger
	broker  *Broker
	tokens  *Tokens
}

// methods answers 405 in JSON for anything but GET and HEAD, except POST
// on the acknowledgement endpoints.
func (h *handler) methods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && isAckPath(r.URL.Path):
		case (r.Method == http.MethodGet || r.Method == http.MethodHead) && !isAckPath(r.URL.Path):
		default:
			allow := "GET, HEAD"
			if isAckPath(r.URL.Path) {
				allow = "POST"
			}
			w.Header().Set("Allow", allow)
			h.error(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed here; only acknowledging, muting and unacknowledging take POST")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isAckPath is /api/v1/diagnoses/{id}/ack|mute|unack.
func isAckPath(p string) bool {
	rest, ok := strings.CutPrefix(p, PathDiagnoses+"/")
	if !ok {
		return false
	}
	id, action, ok := strings.Cut(rest, "/")
	return ok && id != "" && (action == acks.ActionAck || action == acks.ActionMute || action == acks.ActionUnack)
}

// auth lets a request through when it may use scope (see Tokens).
func (h *handler) auth(scope string, f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if code, err := h.tokens.authorize(r, scope); code != 0 {
			if code == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="esdoctor"`)
			}
			h.error(w, code, err.Error())
			return
		}
		f(w, r)
	}
}

func (h *handler) ready(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.src.Ready() {
			w.Header().Set("Retry-After", "1")
			h.error(w, http.StatusServiceUnavailable, "the aggregator is starting (rebuilding its model); try again shortly")
			return
		}
		f(w, r)
	}
}

func (h *handler) diagnoses(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		h.error(w, http.StatusBadRequest, err.Error())
		return
	}
	h.json(w, http.StatusOK, h.src.Diagnoses(q))
}

func (h *handler) diagnosis(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d, ok := h.src.Diagnosis(id)
	if !ok {
		h.error(w, http.StatusNotFound, "no diagnosis with id "+clip(id))
		return
	}
	h.json(w, http.StatusOK, d)
}

func (h *handler) nodes(w http.ResponseWriter, r *http.Request) {
	cluster, err := clusterParam(r.URL.Query())
	if err != nil {
		h.error(w, http.StatusBadRequest, err.Error())
		return
	}
	h.json(w, http.StatusOK, FilterNodes(h.src.Nodes(), cluster))
}

func (h *handler) codes(w http.ResponseWriter, _ *http.Request) {
	h.json(w, http.StatusOK, CatalogCodes())
}

func (h *handler) health(w http.ResponseWriter, _ *http.Request) {
	st := h.src.Health()
	code := http.StatusOK
	if !h.src.Ready() {
		code = http.StatusServiceUnavailable
	}
	h.json(w, code, st)
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.error(w, http.StatusNotFound, "no such endpoint "+clip(r.URL.Path)+" (see "+PathDiagnoses+", "+PathNodes+", "+PathClusters+", "+PathEvents+", "+PathCodes+", "+PathHealth+", "+PathMetrics+")")
}

func (h *handler) error(w http.ResponseWriter, code int, msg string) {
	h.json(w, code, ErrorBody{Error: msg})
}

func (h *handler) json(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		h.log.Error("cannot encode an answer", zap.Error(err))
		code, b = http.StatusInternalServerError, []byte(`{"error":"cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}
