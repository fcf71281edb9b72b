// Package version says which build a binary is: the version, the commit and
// the build date, set by the Makefile with -ldflags
//
//	-X github.com/esdoctor/esdoctor/shared/version.Version=v1.2.3
//	-X github.com/esdoctor/esdoctor/shared/version.Commit=abc1234
//	-X github.com/esdoctor/esdoctor/shared/version.Date=2026-12-04T18:00:00Z
//
// and otherwise taken from the build information the Go toolchain embeds
// (module version, vcs.revision, vcs.time, vcs.modified), so a plain
// go build or go install still says something true.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set with -ldflags -X; empty values are filled from the build info.
var (
	Version string
	Commit  string
	Date    string
)

// Info is what --version prints.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

// Get returns the build's information, "unknown" where nothing says.
func Get() Info {
	i := Info{Version: Version, Commit: Commit, Date: Date, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		fill(&i, bi)
	}
	for _, p := range []*string{&i.Version, &i.Commit, &i.Date} {
		if *p == "" {
			*p = "unknown"
		}
	}
	return i
}

// fill completes i from the toolchain's build info.
func fill(i *Info, bi *debug.BuildInfo) {
	if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		i.Version = bi.Main.Version
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if i.Commit == "" && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if modified {
			rev += "-dirty"
		}
		i.Commit = rev
	}
	if i.Date == "" {
		i.Date = at
	}
	if i.Version == "" {
		i.Version = "devel"
	}
}

// String is the one line --version prints: "PROG VERSION (commit C, built D, goX)".
func (i Info) String() string {
	return fmt.Sprintf("%s (commit %s, built %s, %s)", i.Version, i.Commit, i.Date, i.Go)
}

// Line is the --version line of prog.
func Line(prog string) string { return prog + " " + Get().String() }
