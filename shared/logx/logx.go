// Package logx builds the project's zap loggers: JSON to stderr for daemons,
// the console encoder for people.
package logx

import (
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Options selects a logger.
type Options struct {
	// JSON selects the JSON encoder (daemons); otherwise console output.
	JSON bool
	// Level is "debug", "info", "warn" or "error"; default "info" for
	// daemons, "warn" for commands.
	Level string
}

// New returns a logger writing to stderr.
func New(o Options) *zap.Logger {
	lvl := zapcore.InfoLevel
	if o.Level == "" && !o.JSON {
		lvl = zapcore.WarnLevel
	}
	if o.Level != "" {
		_ = lvl.Set(o.Level)
	}
	var enc zapcore.Encoder
	if o.JSON {
		cfg := zap.NewProductionEncoderConfig()
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(cfg)
	} else {
		cfg := zap.NewDevelopmentEncoderConfig()
		cfg.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05")
		enc = zapcore.NewConsoleEncoder(cfg)
	}
	core := zapcore.NewCore(enc, zapcore.Lock(os.Stderr), lvl)
	return zap.New(core)
}
