package spool

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Defaults of Options.
const (
	DefaultMaxBytes      = 256 << 20
	DefaultNearFullRatio = 0.9
	DefaultAckInterval   = 100 * time.Millisecond
	maxSegmentBytes      = 16 << 20
	minSegmentBytes      = 4 << 10
)

// Options configures a Spool. Every field is optional.
type Options struct {
	// MaxBytes bounds the spool's files on disk; an Append that would go
	// over it fails with ErrFull. Default 256 MiB.
	MaxBytes int64
	// SegmentBytes is the size at which a new segment file is started.
	// Default MaxBytes/16, between 4 KiB and 16 MiB, and never above
	// MaxBytes/4 (so that acknowledged data is freed long before the
	// spool is full).
	SegmentBytes int64
	// NearFullRatio of MaxBytes above which one warning is logged.
	// Default 0.9.
	NearFullRatio float64
	// AckInterval is how often the ack cursor is written to disk.
	// Default 100 ms.
	AckInterval time.Duration
	// Logger, named "spool". Default: no logs.
	Logger *zap.Logger
	// Registry receives the spool's metrics. Default: not exported.
	Registry prometheus.Registerer
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = min(max(o.MaxBytes/16, minSegmentBytes), maxSegmentBytes)
	}
	if q := o.MaxBytes / 4; q > 0 && o.SegmentBytes > q {
		o.SegmentBytes = q
	}
	if o.NearFullRatio <= 0 || o.NearFullRatio > 1 {
		o.NearFullRatio = DefaultNearFullRatio
	}
	if o.AckInterval <= 0 {
		o.AckInterval = DefaultAckInterval
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	o.Logger = o.Logger.Named("spool")
	return o
}
