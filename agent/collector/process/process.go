// Package process finds the Elasticsearch process that uses a config
// directory and reads its start time and version from /proc.
//
// ES 8.x and 9.x run two JVMs: a launcher whose argv carries
// -Des.path.conf=<conf> (org.elasticsearch.launcher.CliToolLauncher) and the
// server JVM it forks (org.elasticsearch.bootstrap.Elasticsearch, no
// -Des.path.conf). ES 7.x runs one JVM that carries -Des.path.conf itself.
// The node's start time is the server JVM's.
package process

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Proc is the ES server process of a config dir.
type Proc struct {
	PID       int
	StartTime time.Time
	Home      string // -Des.path.home
	Version   string // from the jar name in <home>/lib, when readable
}

// ErrNotFound means no running process uses the config dir.
var ErrNotFound = errors.New("no running Elasticsearch process uses this config dir")

// Finder reads a proc file system. The zero value reads /proc.
type Finder struct {
	// ProcRoot is the proc mount, default "/proc" (tests point it at a fixture tree).
	ProcRoot string
	// ClockTicks is the kernel's USER_HZ, default 100.
	ClockTicks int64
}

func (f Finder) root() string {
	if f.ProcRoot == "" {
		return "/proc"
	}
	return f.ProcRoot
}

func (f Finder) ticks() int64 {
	if f.ClockTicks <= 0 {
		return 100
	}
	return f.ClockTicks
}

type procInfo struct {
	pid   int
	ppid  int
	start int64 // clock ticks since boot
	argv  []string
}

// Find returns the ES server process whose launcher (or itself, on 7.x) has
// -Des.path.conf equal to confDir.
func (f Finder) Find(confDir string) (*Proc, error) {
	want := cleanDir(confDir)
	entries, err := os.ReadDir(f.root())
	if err != nil {
		return nil, fmt.Errorf("process: read %s: %w", f.root(), err)
	}
	var procs []procInfo
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		pi, err := f.read(pid)
		if err != nil {
			continue // processes come and go; unreadable ones are not ours
		}
		procs = append(procs, pi)
	}
	sort.Slice(procs, func(i, j int) bool { return procs[i].pid < procs[j].pid })
	for _, p := range procs {
		conf, ok := sysProp(p.argv, "es.path.conf")
		if !ok || cleanDir(conf) != want {
			continue
		}
		home, _ := sysProp(p.argv, "es.path.home")
		server := p
		if isLauncher(p.argv) {
			found := false
			for _, c := range procs {
				if c.ppid == p.pid && isServer(c.argv) {
					server, found = c, true
					break
				}
			}
			if !found {
				// Launcher alive but no server child (starting, or daemonized away).
				server = p
			}
		}
		bt, err := f.bootTime()
		if err != nil {
			return nil, err
		}
		start := bt.Add(time.Duration(server.start) * time.Second / time.Duration(f.ticks()))
		return &Proc{PID: server.pid, StartTime: start.UTC(), Home: home, Version: versionFromHome(home)}, nil
	}
	return nil, ErrNotFound
}

func (f Finder) read(pid int) (procInfo, error) {
	dir := filepath.Join(f.root(), strconv.Itoa(pid))
	cmd, err := os.ReadFile(filepath.Join(dir, "cmdline"))
	if err != nil {
		return procInfo{}, err
	}
	if !bytes.Contains(cmd, []byte("elasticsearch")) {
		return procInfo{}, errors.New("not elasticsearch")
	}
	argv := strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return procInfo{}, err
	}
	ppid, start, err := parseStat(stat)
	if err != nil {
		return procInfo{}, err
	}
	return procInfo{pid: pid, ppid: ppid, start: start, argv: argv}, nil
}

// parseStat returns field 4 (ppid) and field 22 (starttime) of /proc/<pid>/stat.
// The command name (field 2) is in parentheses and may hold spaces.
func parseStat(b []byte) (ppid int, start int64, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, errors.New("malformed stat")
	}
	fields := strings.Fields(string(b[i+1:]))
	// fields[0] is field 3 (state).
	if len(fields) < 20 {
		return 0, 0, errors.New("short stat")
	}
	ppid, err = strconv.Atoi(fields[1])
	if err != nil {
		return 0, 0, err
	}
	start, err = strconv.ParseInt(fields[19], 10, 64)
	return ppid, start, err
}

func (f Finder) bootTime() (time.Time, error) {
	b, err := os.ReadFile(filepath.Join(f.root(), "stat"))
	if err != nil {
		return time.Time{}, fmt.Errorf("process: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "btime "); ok {
			sec, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("process: btime: %w", err)
			}
			return time.Unix(sec, 0), nil
		}
	}
	return time.Time{}, errors.New("process: no btime in stat")
}

func sysProp(argv []string, name string) (string, bool) {
	prefix := "-D" + name + "="
	for _, a := range argv {
		if v, ok := strings.CutPrefix(a, prefix); ok {
			return v, true
		}
	}
	return "", false
}

func isLauncher(argv []string) bool {
	for _, a := range argv {
		if strings.Contains(a, "CliToolLauncher") {
			return true
		}
	}
	return false
}

func isServer(argv []string) bool {
	for _, a := range argv {
		if strings.Contains(a, "org.elasticsearch.bootstrap.Elasticsearch") {
			return true
		}
	}
	return false
}

func cleanDir(d string) string {
	if d == "" {
		return ""
	}
	if abs, err := filepath.Abs(d); err == nil {
		d = abs
	}
	if r, err := filepath.EvalSymlinks(d); err == nil {
		d = r
	}
	return filepath.Clean(d)
}

var jarVersion = regexp.MustCompile(`^elasticsearch-(\d+\.\d+\.\d+(?:-[A-Za-z0-9]+)?)\.jar$`)

// versionFromHome reads the server jar name in <home>/lib.
func versionFromHome(home string) string {
	if home == "" {
		return ""
	}
	ents, err := os.ReadDir(filepath.Join(home, "lib"))
	if err != nil {
		return ""
	}
	for _, e := range ents {
		if m := jarVersion.FindStringSubmatch(e.Name()); m != nil {
			return m[1]
		}
	}
	return ""
}
