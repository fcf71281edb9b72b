// Command bench-aggregator is the aggregator benchmark (make
// bench-aggregator): N simulated agents, each sending M events per second,
// through real NATS JetStream into the real esdoctor-aggregator.
//
// The aggregator runs as a process of its own (bin/esdoctor-aggregator,
// embedded NATS on a random 127.0.0.1 port, a temporary data directory), so
// that its peak RSS (/proc VmHWM) and CPU time (/proc stat) are its alone.
// The load generator lays out the agents in clusters of 2 to 8 nodes,
// paired as local and remote clusters with the guide-003 API-key setup.
// Each agent first sends its node's snapshot and start records (rendered
// from templates that the real agent code collected from
// aggregator/scenario node directories, renamed to the simulated
// cluster, node and 127.x host), then M events per second on a steady
// schedule (a token bucket one second deep): a heartbeat every 5 s and
// otherwise repeats of benign records (publish_address, the start line,
// connections closed by a remote that was restarting, and on a few flaky
// pairs connect_exception). Every event has a new id and is published as
// the agent does it: JetStream, Nats-Msg-Id = event id, waiting for the
// PubAck. The agents share a handful of NATS connections.
//
// During the measured window it injects faults at random times: a local
// node's "unable to authenticate user [id]" with the remote node's
// "invalid credentials for API key [id]" (a new key id each time), or a
// local node's missing cross-cluster credentials header for a new alias.
// Each fault's latency runs from just before its first record is
// published to the aggregator's notification of the diagnosis on
// esdoctor.v1.diagnosis.<code> ("paired": the notification that holds the
// remote side too).
//
// It prints one summary block; numbers are measured, never asserted. It
// exits 1 when the counts do not match (an event published but not
// applied, a rejected event, a fault never diagnosed).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "live" { // make bench-live: see live.go
		os.Exit(liveMain(os.Args[2:]))
	}
	cfg := Config{Progress: os.Stderr}
	quick := false
	flag.IntVar(&cfg.Agents, "agents", 1000, "simulated agents (one per node)")
	flag.Float64Var(&cfg.Rate, "rate", 10, "events per second per agent")
	flag.DurationVar(&cfg.Duration, "duration", 60*time.Second, "measured window")
	flag.DurationVar(&cfg.Warmup, "warmup", 10*time.Second, "steady load before the window")
	flag.IntVar(&cfg.Faults, "faults", 0, "faults injected in the window (default: 4 per second, at least 200)")
	flag.IntVar(&cfg.Conns, "conns", 8, "NATS connections shared by the agents")
	flag.Float64Var(&cfg.Flaky, "flaky", 0.05, "share of cluster pairs logging connect_exception all along")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "random seed (layout, noise, fault times)")
	flag.StringVar(&cfg.Bin, "bin", "bin/esdoctor-aggregator", "esdoctor-aggregator binary to measure")
	flag.StringVar(&cfg.Dir, "dir", "", "work directory, kept (default: a temporary one, removed)")
	flag.StringVar(&cfg.Profile, "cpuprofile", "", "write the aggregator's CPU profile of the window to this file (and its heap profile to FILE.heap)")
	flag.DurationVar(&cfg.Settle, "settle", 30*time.Second, "after the window, how long to wait for the aggregator to catch up")
	selfProfile := flag.String("loadgen-cpuprofile", "", "write the load generator's own CPU profile to this file")
	flag.BoolVar(&quick, "quick", false, "a short check of the harness: 100 agents, 5 s, 20 faults")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench-aggregator: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if quick {
		cfg = quickConfig(cfg)
	}
	if err := check(&cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench-aggregator:", err)
		os.Exit(2)
	}
	if *selfProfile != "" {
		f, err := os.Create(*selfProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench-aggregator: --loadgen-cpuprofile:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	res, err := Run(cfg)
	pprof.StopCPUProfile() // before an os.Exit
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-aggregator:", err)
		if res != nil && res.LogPath != "" && cfg.Dir != "" { // a temporary dir is gone
			fmt.Fprintln(os.Stderr, "bench-aggregator: aggregator log:", res.LogPath)
		}
		os.Exit(2)
	}
	res.Print(os.Stdout)
	if bad := res.OK(); len(bad) > 0 {
		for _, b := range bad {
			fmt.Println("MISMATCH:", b)
		}
		os.Exit(1)
	}
}

// quickConfig is the --quick run: small, short, for CI.
func quickConfig(c Config) Config {
	c.Agents, c.Duration, c.Warmup, c.Faults = 100, 5*time.Second, time.Second, 20
	return c
}

// check validates the flags and fills the defaults.
func check(c *Config) error {
	switch {
	case c.Agents < 4:
		return fmt.Errorf("--agents must be at least 4 (two clusters of two), not %d", c.Agents)
	case c.Rate <= 0:
		return fmt.Errorf("--rate must be positive, not %g", c.Rate)
	case c.Duration < time.Second:
		return fmt.Errorf("--duration must be at least 1s, not %s", c.Duration)
	case c.Conns < 1:
		return fmt.Errorf("--conns must be at least 1, not %d", c.Conns)
	case c.Flaky < 0 || c.Flaky > 1:
		return fmt.Errorf("--flaky must be between 0 and 1, not %g", c.Flaky)
	case c.Faults < 0:
		return fmt.Errorf("--faults must not be negative, not %d", c.Faults)
	}
	if _, err := os.Stat(c.Bin); err != nil {
		return fmt.Errorf("aggregator binary: %w (run make build)", err)
	}
	if c.Faults == 0 {
		c.Faults = max(200, int(4*c.Duration.Seconds()))
	}
	return nil
}
