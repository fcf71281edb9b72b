package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// FilterNodes keeps the nodes of cluster ("" keeps all).
func FilterNodes(ns []Node, cluster string) []Node {
	if cluster == "" {
		return ns
	}
	out := make([]Node, 0, len(ns))
	for _, n := range ns {
		if n.Cluster == cluster {
			out = append(out, n)
		}
	}
	return out
}

// clusterParam reads ?cluster= (the only parameter of /api/v1/nodes).
func clusterParam(v url.Values) (string, error) {
	for k, vals := range v {
		if k != "cluster" {
			return "", fmt.Errorf("unknown parameter %q (want cluster)", clip(k))
		}
		if len(vals) != 1 {
			return "", fmt.Errorf("parameter %q given %d times", clip(k), len(vals))
		}
		if len(vals[0]) > maxValue {
			return "", fmt.Errorf("cluster is at most %d bytes", maxValue)
		}
	}
	return v.Get("cluster"), nil
}

func (h *handler) clusters(w http.ResponseWriter, _ *http.Request) {
	if h.console == nil {
		h.error(w, http.StatusNotFound, "this server has no cluster graph")
		return
	}
	h.json(w, http.StatusOK, h.console.Clusters())
}

func (h *handler) ackHistory(w http.ResponseWriter, r *http.Request) {
	if h.console == nil {
		h.error(w, http.StatusNotFound, "this server keeps no acknowledgements")
		return
	}
	id := r.PathValue("id")
	d, ok := h.src.Diagnosis(id)
	if !ok {
		h.error(w, http.StatusNotFound, "no diagnosis with id "+clip(id))
		return
	}
	ctx, cancel := ackContext(r.Context())
	defer cancel()
	rs, err := h.console.AckHistory(ctx, d.ID)
	if err != nil {
		h.error(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	h.json(w, http.StatusOK, rs)
}

func (h *handler) certificates(w http.ResponseWriter, r *http.Request) {
	if h.console == nil {
		h.error(w, http.StatusNotFound, "this server compares no certificates")
		return
	}
	id := r.PathValue("id")
	c, ok := h.console.Certificates(id)
	if !ok {
		h.error(w, http.StatusNotFound, "diagnosis "+clip(id)+" is unknown or names no remote cluster connection")
		return
	}
	h.json(w, http.StatusOK, c)
}

// acknowledge serves POST /api/v1/diagnoses/{id}/{action}. The body must be
// JSON (Content-Type application/json), which a cross-site form cannot
// send without a CORS preflight this server never grants, and an Origin,
// when a browser sends one, must be this server.
func (h *handler) acknowledge(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.console == nil {
			h.error(w, http.StatusNotFound, "this server keeps no acknowledgements")
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			h.error(w, http.StatusUnsupportedMediaType, "the body must be JSON (Content-Type: application/json)")
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r) {
			h.error(w, http.StatusForbidden, "cross-origin request refused")
			return
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
		if err != nil {
			h.error(w, http.StatusBadRequest, "reading the body: "+err.Error())
			return
		}
		req, err := DecodeAckRequest(b)
		if err != nil {
			h.error(w, http.StatusBadRequest, err.Error())
			return
		}
		if req.Action != "" && req.Action != action {
			h.error(w, http.StatusBadRequest, fmt.Sprintf("the body says %q but the path %q", clip(req.Action), action))
			return
		}
		req.Action = action
		ctx, cancel := ackContext(r.Context())
		defer cancel()
		d, err := h.console.Acknowledge(ctx, r.PathValue("id"), req)
		switch {
		case errors.Is(err, ErrNoDiagnosis):
			h.error(w, http.StatusNotFound, err.Error())
		case errors.Is(err, ErrConflict):
			h.error(w, http.StatusConflict, err.Error())
		case errors.Is(err, ErrInvalid):
			h.error(w, http.StatusBadRequest, err.Error())
		case err != nil:
			h.error(w, http.StatusServiceUnavailable, err.Error())
		default:
			h.json(w, http.StatusOK, d)
		}
	}
}

// ErrInvalid wraps a request an Acknowledge refuses (400).
var ErrInvalid = errors.New("invalid request")

func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}
