package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/agent/logs/logfiles"
	"github.com/esdoctor/esdoctor/agent/logs/pipeline"
	"github.com/esdoctor/esdoctor/agent/logs/scan"
	"github.com/esdoctor/esdoctor/agent/logs/symptom"
	"github.com/esdoctor/esdoctor/agent/mesh/meshlog"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/event"
)

// scanOptions are the parsed flags of `esdoctor-agent scan`; runScanFollow
// receives them for --follow.
type scanOptions struct {
	Paths     []string       // files or directories, as given
	Format    cli.Format     // text or json
	Window    time.Duration  // dedup window (log time); 0 = off
	Repeats   time.Duration  // --follow: how often counted repeats are printed
	Mesh      bool           // service-mesh rule pack
	TZ        string         // --tz as given ("" = local)
	Location  *time.Location // zone of plain-layout timestamps
	Positions string         // --positions FILE (follow mode)
	Follow    bool
}

// progressThreshold: files larger than this get a progress line on a
// terminal.
const progressThreshold = 100 << 20

func runScan(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "[--format json|text] [--window 10m] [--mesh] [--tz ZONE] [--follow [--positions FILE]] PATH...")
	format := cli.FormatFlag(fs, env.Stdout)
	window := fs.Duration("window", symptom.DefaultWindow, "fold repeats of a symptom within this much log time into one event (0 = off)")
	mesh := fs.Bool("mesh", false, "also apply the service-mesh rule pack (Istio/ASM logs)")
	tz := fs.String("tz", "", "time zone of plain-layout timestamps, e.g. Europe/Paris (default: local)")
	follow := fs.Bool("follow", false, "keep following the files (survives rotation) instead of scanning once")
	positions := fs.String("positions", "", "with --follow: file that keeps read offsets across restarts")
	repeats := fs.Duration("repeat-flush", pipeline.DefaultRepeatFlush, "with --follow: print the repeats counted within --window this often")
	if done, code := cli.Parse(env, fs, args); done {
		return code
	}
	f, ok := cli.CheckFormat(env, *format)
	if !ok {
		return cli.ExitUsage
	}
	if *window < 0 {
		return cli.Usagef(env, "--window must not be negative")
	}
	opts := scanOptions{Paths: fs.Args(), Format: f, Window: *window, Mesh: *mesh, TZ: *tz, Positions: *positions, Follow: *follow, Repeats: *repeats}
	if len(opts.Paths) == 0 {
		return cli.Usagef(env, "no PATH given (files or directories of Elasticsearch logs)")
	}
	opts.Location = time.Local
	if *tz != "" {
		loc, err := time.LoadLocation(*tz)
		if err != nil {
			return cli.Usagef(env, "--tz %q: %v", *tz, err)
		}
		opts.Location = loc
	}
	if *repeats <= 0 {
		return cli.Usagef(env, "--repeat-flush must be positive")
	}
	if opts.Positions != "" && !opts.Follow {
		return cli.Usagef(env, "--positions needs --follow")
	}
	if opts.Follow && opts.Mesh {
		return cli.Usagef(env, "--mesh is a one-shot scan; the daemon follows mesh logs named in its config's mesh: section")
	}
	if opts.Follow {
		return runScanFollow(env, opts)
	}
	return runScanOnce(env, opts)
}

// runScanOnce scans every file once and prints its symptoms.
func runScanOnce(env *cli.Env, opts scanOptions) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	files, errs := expandPaths(opts.Paths, opts.Mesh)
	code := cli.ExitOK
	for _, err := range errs {
		fmt.Fprintf(env.Stderr, "%s: %v\n", env.Prog, err)
		code = cli.ExitUsage
	}
	w := bufio.NewWriterSize(env.Stdout, 64<<10)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	emit := func(s event.Symptom) {
		if opts.Format == cli.FormatJSON {
			_ = enc.Encode(s)
		} else {
			fmt.Fprintln(w, textLine(s))
		}
	}
	so := scan.Options{Location: opts.Location, MeshPack: opts.Mesh, Window: opts.Window}
	so.Matcher = symptom.NewMatcher(symptom.Options{MeshPack: opts.Mesh})
	tty := cli.IsTerminal(env.Stderr)
	for _, file := range files {
		o := so
		if tty {
			if st, err := os.Stat(file); err == nil && st.Size() > progressThreshold {
				o.Progress = progressPrinter(env.Stderr, file)
			}
		}
		var err error
		if comp := meshlog.ComponentOfPath(file); !opts.Mesh || (comp != meshlog.Istiod && comp != meshlog.Proxy) {
			err = scan.ScanFile(ctx, file, o, emit)
		}
		if o.Progress != nil {
			fmt.Fprint(env.Stderr, "\r\033[K")
		}
		if err == nil && opts.Mesh {
			// The service-mesh pack: istiod and istio-proxy lines by
			// their own layouts and components.
			err = meshlog.ScanFile(ctx, file, opts.Window, emit)
		}
		if err != nil {
			w.Flush()
			fmt.Fprintf(env.Stderr, "%s: %v\n", env.Prog, err)
			code = cli.ExitUsage
			if ctx.Err() != nil {
				break
			}
		}
	}
	return code
}

// progressPrinter returns a Progress callback drawing one line on a
// terminal, at most every 200 ms.
func progressPrinter(w io.Writer, file string) func(done, total int64) {
	var last time.Time
	return func(done, total int64) {
		if time.Since(last) < 200*time.Millisecond || total <= 0 {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "\r\033[Kscanning %s: %3d%% (%d/%d MiB)", file, done*100/total, done>>20, total>>20)
	}
}

// expandPaths turns the arguments into files: a file as is, a directory into
// its ES server logs (sorted; every one, plain and JSON twins both, unlike
// --follow, which reads each event once: see pipeline.Selector), and with
// the mesh pack its istiod and istio-proxy logs. Unreadable paths are
// reported as errors.
func expandPaths(paths []string, mesh bool) ([]string, []error) {
	var files []string
	var errs []error
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("scan %s: %w", p, err))
			continue
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("scan %s: %w", p, err))
			continue
		}
		var found []string
		for _, e := range entries {
			if c := meshlog.ComponentOfPath(e.Name()); e.Type().IsRegular() && (logfiles.IsServerLog(e.Name()) || mesh && (c == meshlog.Istiod || c == meshlog.Proxy)) {
				found = append(found, filepath.Join(p, e.Name()))
			}
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, errs
}

// textLine renders one symptom for people.
func textLine(s event.Symptom) string {
	var b strings.Builder
	if !s.Time.IsZero() {
		b.WriteString(s.Time.Format("2006-01-02T15:04:05.000Z07:00"))
	} else {
		b.WriteString("-")
	}
	b.WriteString("  ")
	b.WriteString(s.Symptom)
	if s.Node != "" {
		b.WriteString("  node=" + s.Node)
	}
	keys := make([]string, 0, len(s.Fields))
	for k := range s.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := s.Fields[k]
		if strings.ContainsAny(v, " \t") {
			v = fmt.Sprintf("%q", v)
		}
		b.WriteString("  " + k + "=" + v)
	}
	if s.Count > 1 {
		fmt.Fprintf(&b, "  x%d", s.Count)
		if s.LastTime != nil {
			b.WriteString(" until " + s.LastTime.Format("2006-01-02T15:04:05.000Z07:00"))
		}
	}
	fmt.Fprintf(&b, "  (%s:%d)", s.File, s.Line)
	return b.String()
}
