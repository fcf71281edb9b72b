package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const testVersion = "1.2.3"

// buildBinaries builds the three binaries with the version stamped in.
func buildBinaries(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	cmd := exec.Command("go", "build", "-ldflags", "-X github.com/esdoctor/esdoctor/shared/version.Version="+testVersion,
		"-o", bin+"/", "../../cmd/esdoctor-agent", "../../cmd/esdoctor-aggregator", "../../cmd/esdoctor")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// entry is one line of dpkg-deb -c.
type entry struct{ mode, owner string }

func debListing(t *testing.T, deb string) map[string]entry {
	t.Helper()
	m := map[string]entry{}
	sc := bufio.NewScanner(strings.NewReader(run(t, "dpkg-deb", "-c", deb)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 {
			continue
		}
		m[strings.TrimSuffix(strings.TrimPrefix(f[5], "."), "/")] = entry{f[0], f[1]}
	}
	return m
}

// The packages install into a scratch root with the right files, owners
// and modes; the binaries run; the maintainer scripts create the user in
// the elasticsearch group and enable without starting; the units verify
// with the binaries in place; rpm lists the same files.
func TestPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries and four packages")
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb not installed (.ci/run installs it)")
	}
	bin := buildBinaries(t)
	out := t.TempDir()
	paths, err := Build(Options{Bin: bin, Root: "../..", Out: out, Version: testVersion, Arch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 4 {
		t.Fatalf("packages %v, want 4", paths)
	}
	root := t.TempDir()
	want := map[string]map[string]entry{
		"esdoctor-agent": {
			"/usr/bin/esdoctor-agent":                        {"-rwxr-xr-x", "root/root"},
			"/usr/lib/systemd/system/esdoctor-agent.service": {"-rw-r--r--", "root/root"},
			"/etc/esdoctor":                                  {"drwxr-x---", "root/esdoctor"},
			"/etc/esdoctor/agent.yml":                        {"-rw-r-----", "root/esdoctor"},
			"/var/lib/esdoctor":                              {"drwxr-x---", "esdoctor/esdoctor"},
		},
		"esdoctor-aggregator": {
			"/usr/bin/esdoctor-aggregator":                        {"-rwxr-xr-x", "root/root"},
			"/usr/bin/esdoctor":                                   {"-rwxr-xr-x", "root/root"},
			"/usr/lib/systemd/system/esdoctor-aggregator.service": {"-rw-r--r--", "root/root"},
			"/etc/esdoctor":                                       {"drwxr-x---", "root/esdoctor"},
			"/etc/esdoctor/aggregator.env":                        {"-rw-r-----", "root/esdoctor"},
			"/var/lib/esdoctor":                                   {"drwxr-x---", "esdoctor/esdoctor"},
		},
	}
	for _, p := range Packages {
		deb := filepath.Join(out, p.Name+"_"+testVersion+"-1_amd64.deb")
		ls := debListing(t, deb)
		for path, e := range want[p.Name] {
			if got, ok := ls[path]; !ok {
				t.Errorf("%s: %s missing", p.Name, path)
			} else if got != e {
				t.Errorf("%s: %s is %v, want %v", p.Name, path, got, e)
			}
		}
		run(t, "dpkg-deb", "-x", deb, root)
		ctl := t.TempDir()
		run(t, "dpkg-deb", "-e", deb, ctl)
		read := func(name string) string {
			b, err := os.ReadFile(filepath.Join(ctl, name))
			if err != nil {
				t.Fatalf("%s: %s: %v", p.Name, name, err)
			}
			return string(b)
		}
		for _, s := range []string{"preinst", "postinst", "prerm"} {
			run(t, "sh", "-n", filepath.Join(ctl, s))
		}
		pre := read("preinst")
		for _, must := range []string{"useradd --system", "--groups elasticsearch", "groupadd --system elasticsearch", "/usr/sbin/nologin"} {
			if !strings.Contains(pre, must) {
				t.Errorf("%s preinst lacks %q", p.Name, must)
			}
		}
		post := read("postinst")
		if !strings.Contains(post, "unit="+p.Unit) || !strings.Contains(post, `systemctl enable "$unit"`) || regexp.MustCompile(`systemctl[^\n]*\b(start|restart)\b`).MatchString(post) {
			t.Errorf("%s postinst must enable %s and not start it:\n%s", p.Name, p.Unit, post)
		}
		if prerm := read("prerm"); !strings.Contains(prerm, `systemctl disable --now "$unit"`) || !strings.Contains(prerm, "unit="+p.Unit) {
			t.Errorf("%s prerm must stop and disable %s on removal", p.Name, p.Unit)
		}
		conf := read("conffiles")
		for dst := range p.Configs {
			if !strings.Contains(conf, "/etc/esdoctor/"+dst) {
				t.Errorf("%s: %s is not a conffile: %q", p.Name, dst, conf)
			}
		}
		// The installed binaries run.
		for _, b := range p.Binaries {
			got := run(t, filepath.Join(root, "usr/bin", b), "--version")
			if !strings.HasPrefix(strings.TrimSpace(got), b+" "+testVersion+" ") {
				t.Errorf("%s --version: %q", b, got)
			}
		}
		// rpm lists the same files.
		if _, err := exec.LookPath("rpm"); err == nil {
			rpmFile := filepath.Join(out, p.Name+"-"+testVersion+"-1.x86_64.rpm")
			var rl []string
			for _, l := range strings.Split(strings.TrimSpace(run(t, "rpm", "-qlp", rpmFile)), "\n") {
				rl = append(rl, l)
			}
			var dl []string
			for path := range want[p.Name] {
				dl = append(dl, path)
			}
			sort.Strings(rl)
			sort.Strings(dl)
			if strings.Join(rl, "\n") != strings.Join(dl, "\n") {
				t.Errorf("%s: rpm -qlp lists\n%s\nthe deb holds\n%s", p.Name, strings.Join(rl, "\n"), strings.Join(dl, "\n"))
			}
		} else {
			t.Log("rpm not installed: rpm -qlp not checked (.ci/run installs it)")
		}
	}
	verifyUnits(t, root)
}

// verifyUnits runs systemd-analyze verify on the installed units, with the
// host's standard units beside them, and checks it fails when a binary is
// missing (so that it can fail at all).
func verifyUnits(t *testing.T, root string) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Log("systemd-analyze not installed: units not verified (.ci/run installs systemd)")
		return
	}
	units := filepath.Join(root, "usr/lib/systemd/system")
	host := "/usr/lib/systemd/system"
	if _, err := os.Stat(filepath.Join(host, "sysinit.target")); err != nil {
		host = "/lib/systemd/system"
	}
	if out, err := exec.Command("cp", "-an", host+"/.", units+"/").CombinedOutput(); err != nil {
		t.Fatalf("copy the host's units: %v %s", err, out)
	}
	verify := func() (string, error) {
		out, err := exec.Command("systemd-analyze", "verify", "--root="+root, "esdoctor-agent.service", "esdoctor-aggregator.service").CombinedOutput()
		return string(bytes.TrimSpace(out)), err
	}
	if out, err := verify(); err != nil || out != "" {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	agent := filepath.Join(root, "usr/bin/esdoctor-agent")
	if err := os.Rename(agent, agent+".moved"); err != nil {
		t.Fatal(err)
	}
	defer os.Rename(agent+".moved", agent)
	if out, err := verify(); err == nil || !strings.Contains(out, "/usr/bin/esdoctor-agent") {
		t.Errorf("systemd-analyze verify with the agent binary missing: %v %q, want a failure naming it", err, out)
	}
}
