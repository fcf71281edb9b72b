package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/nats-io/nats.go"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/procfs"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
)

// aggProc is the esdoctor-aggregator under test, a process of its own
// (its RSS and CPU are its alone) with its embedded NATS server on a
// random 127.0.0.1 port and a temporary data directory.
type aggProc struct {
	cmd      *exec.Cmd
	proc     procfs.Proc
	httpURL  string
	natsURL  string
	pprofURL string
	logPath  string
	exited   chan struct{}
	exitErr  error
}

// natsAuth are the options of every bench connection: the aggregator's own
// credentials (its embedded NATS requires authentication; the simulated
// agents share that identity instead of enrolling a thousand keys).
var natsAuth []nats.Option

// startAggregator runs bin with its data in dir and waits until its API
// answers ready. pprof (true) serves /debug/pprof on another random port.
func startAggregator(bin, dir string, pprof bool) (*aggProc, error) {
	logPath := filepath.Join(dir, "aggregator.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("aggregator log %s: %w", logPath, err)
	}
	cmd := exec.Command(bin, "--data", filepath.Join(dir, "data"), "--listen", "127.0.0.1:0", "--nats-listen", "127.0.0.1:0", "--log-level", "info")
	cmd.Env = os.Environ()
	natsAuth = []nats.Option{nats.UserCredentials(filepath.Join(dir, "data", "auth", "aggregator.creds"))}
	p := &aggProc{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	if pprof {
		addr, err := freePort()
		if err != nil {
			return nil, err
		}
		cmd.Env = append(cmd.Env, aggregator.PprofEnv+"="+addr)
		p.pprofURL = "http://" + addr
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	if p.proc, err = procfs.NewProc(cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("aggregator /proc/%d: %w", cmd.Process.Pid, err)
	}
	addrs := make(chan [2]string, 1)
	go func() {
		p.scanLog(stderr, logf, addrs)
		p.exitErr = cmd.Wait()
		logf.Close()
		close(p.exited)
	}()
	select {
	case a := <-addrs:
		p.httpURL, p.natsURL = "http://"+a[0], a[1]
	case <-p.exited:
		return nil, fmt.Errorf("aggregator exited at start (%v); see %s", p.exitErr, logPath)
	case <-time.After(30 * time.Second):
		p.stop()
		return nil, fmt.Errorf("aggregator did not announce its addresses within 30s; see %s", logPath)
	}
	if err := p.waitReady(60 * time.Second); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// scanLog copies the aggregator's JSON log to the log file and picks the
// HTTP and NATS addresses from its start lines.
func (p *aggProc) scanLog(r io.Reader, w io.Writer, addrs chan<- [2]string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var httpAddr, natsURL string
	sent := false
	for sc.Scan() {
		line := sc.Bytes()
		_, _ = w.Write(append(line, '\n'))
		if sent {
			continue
		}
		var rec struct {
			Msg     string `json:"msg"`
			Address string `json:"address"`
			URL     string `json:"url"`
		}
		if json.Unmarshal(line, &rec) != nil {
			continue
		}
		switch {
		case strings.HasPrefix(rec.Msg, "HTTP API"): // "HTTP API listening", "HTTP API and console listening"
			httpAddr = rec.Address
		case strings.HasPrefix(rec.Msg, "embedded NATS server"):
			natsURL = rec.URL
		}
		if httpAddr != "" && natsURL != "" {
			addrs <- [2]string{httpAddr, natsURL}
			sent = true
		}
	}
}

// waitReady polls /healthz until the aggregator says ok.
func (p *aggProc) waitReady(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		var h api.Health
		err := getJSON(p.httpURL+api.PathHealth, &h)
		if err == nil && h.Status == "ok" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("aggregator not ready after %s (%v); see %s", d, err, p.logPath)
		}
		select {
		case <-p.exited:
			return fmt.Errorf("aggregator exited (%v); see %s", p.exitErr, p.logPath)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// procStats are the aggregator's resource counters.
type procStats struct {
	CPU     time.Duration // user + system
	RSS     uint64        // bytes now
	PeakRSS uint64        // VmHWM
}

func (p *aggProc) stats() (procStats, error) {
	st, err := p.proc.Stat()
	if err != nil {
		return procStats{}, fmt.Errorf("aggregator /proc stat: %w", err)
	}
	status, err := p.proc.NewStatus()
	if err != nil {
		return procStats{}, fmt.Errorf("aggregator /proc status: %w", err)
	}
	return procStats{CPU: time.Duration(st.CPUTime() * float64(time.Second)), RSS: status.VmRSS, PeakRSS: status.VmHWM}, nil
}

// stop sends SIGTERM (a graceful shutdown) and waits, then kills.
func (p *aggProc) stop() error {
	select {
	case <-p.exited:
		return p.exitErr
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.exitErr
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("aggregator did not stop within 30s of SIGTERM; killed")
	}
}

// profile fetches a CPU profile of d into path.
func (p *aggProc) profile(kind string, d time.Duration, path string) error {
	url := p.pprofURL + "/debug/pprof/" + kind
	if kind == "profile" {
		url += fmt.Sprintf("?seconds=%d", int(d.Seconds()))
	}
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("pprof %s: %w", kind, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof %s: %s", kind, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("pprof %s to %s: %w", kind, path, err)
	}
	return f.Close()
}

func getJSON(url string, v any) error {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// freePort picks a free 127.0.0.1 port.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
