package inspect

import (
	"context"
	"fmt"
	"io"
	"time"

	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/esdoctor/esdoctor/agent/logs/layout"

	"github.com/esdoctor/esdoctor/agent/logs/record"
	"github.com/esdoctor/esdoctor/agent/logs/scan"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/safefile"
)

// LogStart finds the node's last start in its log dir: the newest
// node-started record (time, version, pid) in the active server log files,
// and the publish_address lines logged after it.
func LogStart(ctx context.Context, logDir, cluster string, loc *time.Location) (*StartInfo, error) {
	if _, err := os.ReadDir(logDir); err != nil {
		return nil, fmt.Errorf("log dir %s: %w", logDir, unwrapPathErr(err))
	}
	files := activeServerLogs(logDir, cluster)
	if len(files) == 0 {
		return nil, nil
	}
	var starts, pubs, stops []event.Symptom
	var lastLog time.Time
	for _, f := range files {
		if t := lastRecordTime(f, loc); t.After(lastLog) {
			lastLog = t
		}
		err := scan.ScanFile(ctx, f, scan.Options{Location: loc}, func(s event.Symptom) {
			switch s.Symptom {
			case "node-started":
				starts = append(starts, s)
			case "publish-address":
				pubs = append(pubs, s)
			case "node-stopping":
				stops = append(stops, s)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	if len(starts) == 0 && len(pubs) == 0 && lastLog.IsZero() {
		return nil, nil
	}
	si := &StartInfo{LastLog: lastLog}
	sort.SliceStable(starts, func(i, j int) bool { return starts[i].Time.Before(starts[j].Time) })
	// The start is the earliest identity line of the last start: lines of
	// one start (version, node name, starting, started) lie within minutes.
	if n := len(starts); n > 0 {
		last := starts[n-1]
		si.Time = last.Time
		for i := n - 1; i >= 0 && last.Time.Sub(starts[i].Time) < 10*60e9; i-- {
			s := starts[i]
			si.Time = s.Time
			if v := s.Fields["es_version"]; v != "" && si.Version == "" {
				si.Version = v
			}
			if p, err := strconv.Atoi(s.Fields["pid"]); err == nil && si.PID == 0 {
				si.PID = p
			}
		}
	}
	for _, s := range stops {
		if !s.Time.Before(si.Time) && s.Time.After(si.Stopped) {
			si.Stopped = s.Time
		}
	}
	seen := map[string]bool{}
	for _, p := range pubs {
		if !si.Time.IsZero() && p.Time.Before(si.Time.Add(-60e9)) {
			continue
		}
		host, port := splitAddr(p.Fields["publish_address"])
		if port == 0 {
			continue
		}
		prof := "transport"
		switch p.Fields["profile"] {
		case "_remote_cluster", "remote_cluster":
			prof = "remote_cluster"
		case "http":
			prof = "http"
		}
		k := prof + host + strconv.Itoa(port)
		if seen[k] {
			continue
		}
		seen[k] = true
		si.Addresses = append(si.Addresses, event.Address{Profile: prof, Host: host, Port: port, Source: "log"})
	}
	return si, nil
}

// activeServerLogs lists <cluster>.log and <cluster>_server.json (not the
// rotated ones), or any such file when the cluster name does not match.
func activeServerLogs(dir, cluster string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var exact, any []string
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		name := e.Name()
		p := filepath.Join(dir, name)
		if name == cluster+".log" || name == cluster+"_server.json" {
			exact = append(exact, p)
		}
		if strings.HasSuffix(name, "_server.json") || (strings.HasSuffix(name, ".log") && !strings.HasPrefix(name, "gc") &&
			!strings.Contains(name, "_deprecation") && !strings.Contains(name, "slowlog") && !strings.Contains(name, "_audit") && !strings.HasPrefix(name, "hs_err")) {
			any = append(any, p)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	sort.Strings(any)
	return any
}

func splitAddr(s string) (string, int) {
	s = strings.Trim(strings.TrimSpace(s), "{}")
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, 0
	}
	p, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return s, 0
	}
	return strings.Trim(s[:i], "[]"), p
}

// lastRecordTime reads the tail of a log file and returns the time of its
// last complete record (zero when unknown).
func lastRecordTime(path string, loc *time.Location) time.Time {
	f, st, err := safefile.Open(path, 0)
	if err != nil {
		return time.Time{}
	}
	defer f.Close()
	const tail = 256 << 10
	off := st.Size() - tail
	if off < 0 {
		off = 0
	}
	buf := make([]byte, st.Size()-off)
	if _, err := io.ReadFull(io.NewSectionReader(f, off, int64(len(buf))), buf); err != nil {
		return time.Time{}
	}
	if off > 0 {
		// Skip the partial first line.
		if i := strings.IndexByte(string(buf), '\n'); i >= 0 {
			off += int64(i + 1)
			buf = buf[i+1:]
		}
	}
	j := layout.NewJoiner(path, layout.Options{Location: loc})
	var last time.Time
	keep := func(rs []recordT) {
		for _, r := range rs {
			if !r.Time.IsZero() && r.Time.After(last) {
				last = r.Time
			}
		}
	}
	pos := off
	for len(buf) > 0 {
		i := strings.IndexByte(string(buf), '\n')
		if i < 0 {
			break
		}
		keep(j.Push(buf[:i], pos, pos+int64(i+1), 0))
		pos += int64(i + 1)
		buf = buf[i+1:]
	}
	keep(j.Flush())
	return last
}

type recordT = record.Record
