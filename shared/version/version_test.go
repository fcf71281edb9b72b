package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFillFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-04T18:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	var i Info
	fill(&i, bi)
	if i.Version != "devel" || i.Commit != "0123456789ab-dirty" || i.Date != "2026-12-04T18:00:00Z" {
		t.Errorf("from build info: %+v", i)
	}
	// -ldflags values win.
	i = Info{Version: "v1.2.3", Commit: "abc", Date: "d"}
	fill(&i, bi)
	if i.Version != "v1.2.3" || i.Commit != "abc" || i.Date != "d" {
		t.Errorf("ldflags overridden: %+v", i)
	}
	i = Info{}
	fill(&i, &debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}})
	if i.Version != "v0.9.0" {
		t.Errorf("module version: %+v", i)
	}
	if l := Line("esdoctor"); !strings.HasPrefix(l, "esdoctor ") || !strings.Contains(l, "commit ") || !strings.Contains(l, "built ") {
		t.Errorf("line %q", l)
	}
}
