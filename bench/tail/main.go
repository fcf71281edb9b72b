// Command bench-tail is the rotation stress harness for the log follower
// (make bench-tail). A writer appends numbered Elasticsearch log lines to
// es.log at full speed, in whole lines per write like log4j, and rotates
// the file by size, in turn: log4j's rename + gzip + delete, logrotate's
// copytruncate (the writer uses O_APPEND) and delete + recreate. The
// reader is the real follower: esdoctor-agent scan --follow as its own
// process (one symptom per line, dedup off), or the follow package
// in-process. It can be restarted mid-run on its positions file. The
// harness prints lines written and seen, lost, duplicated, out-of-order,
// throughput and the agent's peak RSS and CPU time, and exits 1 unless
// nothing was lost or duplicated.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	cfg := Config{}
	modes := ""
	flag.DurationVar(&cfg.Duration, "duration", 20*time.Second, "how long the writer writes")
	flag.Int64Var(&cfg.RotateBytes, "rotate-bytes", 8<<20, "rotate the active file at this size")
	flag.StringVar(&modes, "modes", "log4j,copytruncate,delete", "rotation modes, used in turn")
	flag.IntVar(&cfg.Restarts, "restarts", 2, "reader restarts (SIGTERM, then start again on the positions file)")
	flag.DurationVar(&cfg.Down, "down", 500*time.Millisecond, "how long the reader stays stopped at a restart")
	flag.IntVar(&cfg.Pad, "pad", 0, "extra bytes per line")
	flag.Int64Var(&cfg.Rate, "rate", 0, "lines per second (0: full speed)")
	flag.Int64Var(&cfg.MaxLag, "max-lag", 300_000, "the writer waits when this many lines ahead of the reader")
	flag.StringVar(&cfg.Agent, "agent", "bin/esdoctor-agent", "esdoctor-agent binary to measure; empty: the follower in-process")
	flag.StringVar(&cfg.Dir, "dir", "", "work directory (default: a temporary one, removed)")
	flag.DurationVar(&cfg.Settle, "settle", 30*time.Second, "after the writer stops, give up when the reader makes no progress this long")
	flag.Parse()
	cfg.Modes = strings.Split(modes, ",")
	for _, m := range cfg.Modes {
		if m != modeLog4j && m != modeCopytruncate && m != modeDelete {
			fmt.Fprintf(os.Stderr, "bench-tail: unknown mode %q\n", m)
			os.Exit(2)
		}
	}
	res, err := Run(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-tail:", err)
		os.Exit(2)
	}
	res.Print(os.Stdout)
	if !res.OK() {
		fmt.Println("FAIL: lines lost or duplicated")
		os.Exit(1)
	}
	fmt.Println("OK: 0 lost, 0 duplicated")
}
