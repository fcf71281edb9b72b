package api

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
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
		respond(r, PageList(src.Diagnoses(q)))
	}
}

func serviceDiagnosis(src Source) micro.HandlerFunc {
	return func(r micro.Request) {
		if !ready(r, src) {
			return
		}
		id, err := DecodeID(r.Data())
		if err != nil {
			fail(r, 400, err.Error())
			return
		}
		d, ok := src.Diagnosis(id)
		if !ok {
			fail(r, 404, "no diagnosis with id "+clip(id))
			return
		}
		respond(r, PageEvidence(d, 0, DefaultEvidenceLimit, DiagnosisBudget))
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
