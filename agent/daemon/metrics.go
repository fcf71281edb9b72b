package daemon

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/shared/promx"
)

// The agent's own metrics; the spool (esdoctor_spool_*), the publisher
// (esdoctor_publish*) and the log pipeline (esdoctor_log_*) register
// theirs on the same registry.
type metrics struct {
	inspections   prometheus.Counter
	inspectErrors prometheus.Counter
	fileErrors    prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		inspections: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_agent_inspections_total", Help: "Inspections of the node (config, keystore, certificates) that produced a snapshot.",
		})),
		inspectErrors: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_agent_inspection_errors_total", Help: "Inspections that failed and produced no snapshot.",
		})),
		fileErrors: promx.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "esdoctor_agent_inspection_file_errors", Help: "Files the last inspection could not read or parse.",
		})),
	}
}

// serveMetrics serves /metrics on cfg.Metrics.Listen ("" or "off": not
// at all) until ctx is done.
func (a *Agent) serveMetrics(ctx context.Context) error {
	listen := a.cfg.Metrics.Listen
	if listen == "" || listen == "off" {
		return nil
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.metricsAddr = ln.Addr().String()
	a.mu.Unlock()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("metrics server stopped", zap.Error(err))
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	a.log.Info("serving metrics", zap.String("address", "http://"+a.metricsAddr+"/metrics"))
	return nil
}

// MetricsAddr is the address /metrics is served on, "" when not (yet).
func (a *Agent) MetricsAddr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.metricsAddr
}
