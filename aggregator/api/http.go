package api

import (
	"encoding/json"
	"net/http"

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
}

// NewHandler returns the HTTP API over src.
func NewHandler(src Source, o HandlerOptions) http.Handler {
	if o.Gatherer == nil {
		o.Gatherer = prometheus.DefaultGatherer
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	h := &handler{src: src, log: o.Logger.Named("api")}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathDiagnoses, h.ready(h.diagnoses))
	mux.HandleFunc("GET "+PathDiagnoses+"/{id}", h.ready(h.diagnosis))
	mux.HandleFunc("GET "+PathNodes, h.ready(h.nodes))
	mux.HandleFunc("GET "+PathPorts+"/{cluster}", h.ready(h.ports))
	mux.HandleFunc("GET "+PathCodes, h.codes)
	mux.HandleFunc("GET "+PathHealth, h.health)
	mux.Handle("GET "+PathMetrics, promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("/", h.notFound)
	return h.methods(mux)
}

type handler struct {
	src Source
	log *zap.Logger
}

// methods answers 405 in JSON for anything but GET and HEAD.
func (h *handler) methods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			h.error(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; the API is read-only")
			return
		}
		next.ServeHTTP(w, r)
	})
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

func (h *handler) nodes(w http.ResponseWriter, _ *http.Request) {
	h.json(w, http.StatusOK, h.src.Nodes())
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
	h.error(w, http.StatusNotFound, "no such endpoint "+clip(r.URL.Path)+" (see "+PathDiagnoses+", "+PathNodes+", "+PathCodes+", "+PathHealth+", "+PathMetrics+")")
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
