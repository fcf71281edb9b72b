package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/esdoctor/esdoctor/aggregator/acks"
)

// ServiceName and ServiceVersion identify the NATS service (micro $SRV.INFO).
const (
	ServiceName    = "esdoctor-aggregator"
	ServiceVersion = "1.0.0"
)

// NewService starts the NATS request/reply API over src on nc. Stop it
// with Service.Stop before closing nc.
func NewService(nc *nats.Conn, src Source) (micro.Service, error) {
	svc, err := micro.AddService(nc, micro.Config{
		Name:        ServiceName,
		Version:     ServiceVersion,
		Description: "esdoctor query API: diagnoses, nodes and the catalog",
	})
	if err != nil {
		return nil, fmt.Errorf("api: nats service: %w", err)
	}
	endpoints := []struct {
		name, subject string
		h             micro.HandlerFunc
	}{
		{"diagnoses", SubjectDiagnoses, serviceDiagnoses(src)},
		{"diagnosis", SubjectDiagnosis, serviceDiagnosis(src)},
		{"nodes", SubjectNodes, serviceNodes(src)},
		{"codes", SubjectCodes, func(r micro.Request) { respond(r, CatalogCodes()) }},
		{"catalog", SubjectCatalog, func(r micro.Request) { respond(r, CatalogCodes()) }},
	}
	if c, ok := src.(Console); ok {
		endpoints = append(endpoints, []struct {
			name, subject string
			h             micro.HandlerFunc
		}{
			{"clusters", SubjectClusters, serviceClusters(src, c)},
			{"ack", SubjectAck, serviceAck(src, c, acks.ActionAck)},
			{"mute", SubjectMute, serviceAck(src, c, acks.ActionMute)},
			{"unack", SubjectUnack, serviceAck(src, c, acks.ActionUnack)},
			{"acks", SubjectAcks, serviceAckHistory(src, c)},
		}...)
	}
	for _, e := range endpoints {
		if err := svc.AddEndpoint(e.name, e.h, micro.WithEndpointSubject(e.subject)); err != nil {
			_ = svc.Stop()
			return nil, fmt.Errorf("api: nats endpoint %s: %w", e.subject, err)
		}
	}
	return svc, nil
}

func serviceDiagnoses(src Source) micro.HandlerFunc {
	return func(r micro.Request) {
		if !ready(r, src) {
			return
		}
		q, err := DecodeQuery(r.Data())
		if err != nil {
			fail(r, 400, err.Error())
			return
		}
		respond(r, src.Diagnoses(q))
	}
}

func serviceDiagnosis(src Source) micro.HandlerFunc {
	return func(r micro.Request) {
		d, ok := requestedDiagnosis(r, src)
		if !ok {
			return
		}
		respond(r, d)
	}
}

func serviceNodes(src Source) micro.HandlerFunc {
	return func(r micro.Request) {
		if !ready(r, src) {
			return
		}
		respond(r, src.Nodes())
	}
}

func serviceClusters(src Source, c Console) micro.HandlerFunc {
	return func(r micro.Request) {
		if ready(r, src) {
			respond(r, c.Clusters())
		}
	}
}

// serviceAck takes an AckRequest with its id: {"id", "by", "reason", "for"|"until"}.
func serviceAck(src Source, c Console, action string) micro.HandlerFunc {
	return func(r micro.Request) {
		if !ready(r, src) {
			return
		}
		req, err := DecodeAckRequest(r.Data())
		if err != nil {
			fail(r, 400, err.Error())
			return
		}
		if req.ID == "" || len(req.ID) > maxValue {
			fail(r, 400, `request: want {"id": "...", "by": "...", "reason": "..."}`)
			return
		}
		if req.Action != "" && req.Action != action {
			fail(r, 400, "the request says "+clip(req.Action)+" on the "+action+" endpoint")
			return
		}
		req.Action = action
		ctx, cancel := ackContext(context.Background())
		defer cancel()
		d, err := c.Acknowledge(ctx, req.ID, req)
		switch {
		case errors.Is(err, ErrNoDiagnosis):
			fail(r, 404, err.Error())
		case errors.Is(err, ErrConflict):
			fail(r, 409, err.Error())
		case errors.Is(err, ErrInvalid):
			fail(r, 400, err.Error())
		case err != nil:
			fail(r, 503, err.Error())
		default:
			respond(r, d)
		}
	}
}

func serviceAckHistory(src Source, c Console) micro.HandlerFunc {
	return func(r micro.Request) {
		d, ok := requestedDiagnosis(r, src)
		if !ok {
			return
		}
		ctx, cancel := ackContext(context.Background())
		defer cancel()
		rs, err := c.AckHistory(ctx, d.ID)
		if err != nil {
			fail(r, 503, err.Error())
			return
		}
		respond(r, rs)
	}
}

// requestedDiagnosis answers the request itself (not ready, bad id, unknown
// id) unless it returns the diagnosis the request names.
func requestedDiagnosis(r micro.Request, src Source) (diagnosis.Diagnosis, bool) {
	if !ready(r, src) {
		return diagnosis.Diagnosis{}, false
	}
	id, err := DecodeID(r.Data())
	if err != nil {
		fail(r, 400, err.Error())
		return diagnosis.Diagnosis{}, false
	}
	d, ok := src.Diagnosis(id)
	if !ok {
		fail(r, 404, "no diagnosis with id "+clip(id))
	}
	return d, ok
}

func ready(r micro.Request, src Source) bool {
	if src.Ready() {
		return true
	}
	fail(r, 503, "the aggregator is starting (rebuilding its model); try again shortly")
	return false
}

func respond(r micro.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(r, 500, "cannot encode the answer")
		return
	}
	_ = r.Respond(b)
}

func fail(r micro.Request, code int, msg string) {
	b, _ := json.Marshal(ErrorBody{Error: msg})
	_ = r.Error(strconv.Itoa(code), msg, b)
}
