package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// runWatch follows GET /api/v1/events. Text: the open diagnoses, redrawn
// (screen cleared on a terminal) on every change. JSON: one line per event
// as the aggregator sends it ({"event": TYPE, "data": {...}}), for scripts.
// It reconnects when the stream drops and stops on SIGINT/SIGTERM.
func runWatch(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "[--cluster NAME] [--all]")
	c := commonFlags(env, fs, false)
	cluster := fs.String("cluster", "", "only diagnoses involving this cluster")
	all := fs.Bool("all", false, "text: list acknowledged and muted diagnoses too")
	count := fs.Int("count", 0, "stop after this many redraws (text) or events (json); 0 runs until interrupted")
	if done, rc := cli.ParseNoArgs(env, fs, args); done {
		return rc
	}
	format, cl, ok := c.resolve(env)
	if !ok {
		return cli.ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	w := &watcher{env: env, cl: cl, cluster: *cluster, all: *all, json: format == cli.FormatJSON, max: *count,
		tty: cli.IsTerminal(env.Stdout), timeout: *c.timeout}
	return w.run(ctx)
}

type watcher struct {
	env       *cli.Env
	cl        *api.Client
	cluster   string
	all, json bool
	tty       bool
	max, n    int
	timeout   time.Duration
	status    string
}

func (w *watcher) run(ctx context.Context) int {
	backoff := 500 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := w.stream(ctx)
		if ctx.Err() != nil || w.done() {
			return cli.ExitOK
		}
		if attempt == 0 && !w.connectedOnce() {
			// The first connection failed: say so once, like the other commands.
			return askFailed(w.env, w.cl, err)
		}
		w.status = "reconnecting: " + err.Error()
		if !w.json {
			_ = w.redraw(ctx)
		}
		select {
		case <-ctx.Done():
			return cli.ExitOK
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

func (w *watcher) connectedOnce() bool { return w.status != "" }

func (w *watcher) done() bool { return w.max > 0 && w.n >= w.max }

// stream reads the event stream until it ends or an error.
func (w *watcher) stream(ctx context.Context) error {
	req, err := w.cl.Request(ctx, http.MethodGet, w.cl.URL(api.PathEvents, nil), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var eb api.ErrorBody
		msg := strings.TrimSpace(string(b))
		if json.Unmarshal(b, &eb) == nil && eb.Error != "" {
			msg = eb.Error
		}
		return &api.StatusError{URL: req.URL.String(), Code: resp.StatusCode, Message: msg}
	}
	w.status = "live"
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var typ string
	var data strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if typ != "" {
				if err := w.event(ctx, typ, data.String()); err != nil {
					return err
				}
				if w.done() {
					return nil
				}
			}
			typ = ""
			data.Reset()
		case strings.HasPrefix(line, "event: "):
			typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data.WriteString(strings.TrimPrefix(line, "data: "))
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}

func (w *watcher) event(ctx context.Context, typ, data string) error {
	if w.json {
		if typ == api.EventHello {
			return nil
		}
		if w.cluster != "" && typ == api.EventDiagnosis {
			var ch struct {
				Diagnosis diagnosis.Diagnosis `json:"diagnosis"`
			}
			if json.Unmarshal([]byte(data), &ch) == nil && !contains(ch.Diagnosis.Clusters, w.cluster) {
				return nil
			}
		}
		w.n++
		_, err := fmt.Fprintf(w.env.Stdout, "{\"event\":%q,\"data\":%s}\n", typ, data)
		return err
	}
	w.n++
	return w.redraw(ctx)
}

// redraw prints the open diagnoses (the screen is cleared first on a
// terminal).
func (w *watcher) redraw(ctx context.Context) error {
	qctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	ds, err := w.cl.Diagnoses(qctx, api.Query{State: api.StateOpen, Cluster: w.cluster})
	if err != nil {
		return err
	}
	shown := ds[:0:0]
	acked := 0
	for _, d := range ds {
		if d.Ack != nil {
			acked++
			if !w.all {
				continue
			}
		}
		shown = append(shown, d)
	}
	out := w.env.Stdout
	if w.tty {
		fmt.Fprint(out, "\x1b[H\x1b[2J")
	}
	scope := ""
	if w.cluster != "" {
		scope = " cluster " + w.cluster
	}
	res := evaluateCheck(ds, "warning")
	fmt.Fprintf(out, "esdoctor watch %s%s · %s · %s\n", w.cl.Server(), scope, time.Now().UTC().Format("15:04:05Z"), w.status)
	fmt.Fprintf(out, "%s: %d error(s), %d warning(s), %d acknowledged, %d agent(s) silent\n\n", res.Status, res.OpenErrors, res.OpenWarnings, res.Acknowledged, res.AgentsSilent)
	if len(shown) == 0 {
		msg := "No open diagnoses."
		if acked > 0 && !w.all {
			msg = "No open diagnoses but acknowledged ones (--all lists them)."
		}
		fmt.Fprintln(out, msg)
	} else {
		writeTable(out, shown)
	}
	if !w.tty {
		fmt.Fprintln(out, strings.Repeat("─", 40))
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
