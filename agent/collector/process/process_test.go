package process

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func writeProc(t *testing.T, root string, pid, ppid int, start int64, argv ...string) {
	t.Helper()
	dir := filepath.Join(root, strconv.Itoa(pid))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "cmdline"), []byte(strings.Join(argv, "\x00")+"\x00"), 0o644)
	// pid (comm) state ppid ... field 22 = starttime
	fields := []string{strconv.Itoa(pid), "(java with space)", "S", strconv.Itoa(ppid)}
	for i := 5; i <= 21; i++ {
		fields = append(fields, "0")
	}
	fields = append(fields, strconv.FormatInt(start, 10), "0", "0")
	os.WriteFile(filepath.Join(dir, "stat"), []byte(strings.Join(fields, " ")+"\n"), 0o644)
}

func TestFindES8LauncherAndServer(t *testing.T) {
	root := t.TempDir()
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "lib"), 0o755)
	os.WriteFile(filepath.Join(home, "lib", "elasticsearch-8.13.4.jar"), nil, 0o644)
	conf := t.TempDir()
	os.WriteFile(filepath.Join(root, "stat"), []byte("cpu 1 2 3\nbtime 1700000000\n"), 0o644)
	writeProc(t, root, 100, 1, 1000, "/usr/share/elasticsearch/jdk/bin/java", "-Dcli.name=server",
		"-Des.path.home="+home, "-Des.path.conf="+conf, "-cp", home+"/lib/*", "org.elasticsearch.launcher.CliToolLauncher")
	writeProc(t, root, 120, 100, 1500, "/usr/share/elasticsearch/jdk/bin/java", "-Des.distribution.type=tar",
		"--module-path", "/usr/share/elasticsearch/lib", "-m", "org.elasticsearch.server/org.elasticsearch.bootstrap.Elasticsearch")
	// Another node with another config dir.
	writeProc(t, root, 200, 1, 3000, "java", "-Des.path.conf=/elsewhere", "org.elasticsearch.launcher.CliToolLauncher")
	p, err := Finder{ProcRoot: root}.Find(conf + "/")
	if err != nil {
		t.Fatal(err)
	}
	if p.PID != 120 {
		t.Errorf("pid = %d, want the server JVM 120", p.PID)
	}
	want := time.Unix(1700000000+15, 0).UTC()
	if !p.StartTime.Equal(want) {
		t.Errorf("start = %v, want %v", p.StartTime, want)
	}
	if p.Version != "8.13.4" {
		t.Errorf("version = %q", p.Version)
	}
}

func TestFindES7SingleJVM(t *testing.T) {
	root := t.TempDir()
	conf := t.TempDir()
	os.WriteFile(filepath.Join(root, "stat"), []byte("btime 1600000000\n"), 0o644)
	writeProc(t, root, 42, 1, 200, "java", "-Des.path.home=/nonexistent", "-Des.path.conf="+conf, "-cp", "/x/lib/*", "org.elasticsearch.bootstrap.Elasticsearch")
	p, err := Finder{ProcRoot: root}.Find(conf)
	if err != nil {
		t.Fatal(err)
	}
	if p.PID != 42 || !p.StartTime.Equal(time.Unix(1600000002, 0).UTC()) {
		t.Errorf("got %+v", p)
	}
}

func TestNotFound(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "stat"), []byte("btime 1\n"), 0o644)
	if _, err := (Finder{ProcRoot: root}).Find(t.TempDir()); err != ErrNotFound {
		t.Fatalf("err = %v", err)
	}
}

func TestParseStatMalformed(t *testing.T) {
	for _, in := range []string{"", "1 (x", "1 (x) S 1", "1 (x) S notanumber 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 5"} {
		if _, _, err := parseStat([]byte(in)); err == nil {
			t.Errorf("parseStat(%q) gave no error", in)
		}
	}
}
