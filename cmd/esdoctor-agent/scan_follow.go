package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/logs/pipeline"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/logx"
)

// runScanFollow follows the files of opts (scan --follow) and prints
// symptoms as they are written, until SIGINT or SIGTERM; then it prints
// the repeats counted so far, saves the positions and exits 0.
func runScanFollow(env *cli.Env, opts scanOptions) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := logx.New(logx.Options{})
	defer func() { _ = log.Sync() }()
	if err := followScan(ctx, opts, env.Stdout, log); err != nil {
		return cli.Usagef(env, "%v", err)
	}
	return cli.ExitOK
}

// followScan is scan --follow without the process around it: the agent's
// log pipeline (the daemon's, see agent/logs/pipeline) printing instead of
// spooling. First occurrences are printed at once, repeats as folds every
// few seconds.
func followScan(ctx context.Context, opts scanOptions, stdout io.Writer, log *zap.Logger) error {
	w := bufio.NewWriterSize(stdout, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	p, err := pipeline.New(pipeline.Options{
		Paths:       opts.Paths,
		Positions:   opts.Positions,
		Location:    opts.Location,
		MeshPack:    opts.Mesh,
		Window:      opts.Window,
		RepeatFlush: opts.Repeats,
		Logger:      log,
		Emit: func(ss []event.Symptom) error {
			for _, s := range ss {
				if opts.Format == cli.FormatJSON {
					_ = enc.Encode(s)
				} else {
					fmt.Fprintln(w, textLine(s))
				}
			}
			if err := w.Flush(); err != nil {
				return fmt.Errorf("writing symptoms: %w", err)
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	return p.Run(ctx)
}
