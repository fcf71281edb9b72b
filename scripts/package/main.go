// Command package builds the esdoctor deb and rpm packages with nfpm (used
// as a library): esdoctor-agent (the agent) and esdoctor-aggregator (the
// aggregator and the esdoctor CLI), each with its hardened systemd unit,
// its default configuration under /etc/esdoctor (mode 0640, group
// esdoctor), /var/lib/esdoctor, and maintainer scripts that create the
// system user esdoctor (in the elasticsearch group) and enable the service
// without starting it.
//
//	go run ./scripts/package -bin bin -out dist -version 0.1.0
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm"
)

func main() {
	var o Options
	flag.StringVar(&o.Bin, "bin", "bin", "directory holding esdoctor-agent, esdoctor-aggregator and esdoctor")
	flag.StringVar(&o.Root, "root", ".", "the project's root (packaging/ is read from there)")
	flag.StringVar(&o.Out, "out", "dist", "output directory")
	flag.StringVar(&o.Version, "version", "0.0.0-dev", "package version")
	flag.StringVar(&o.Arch, "arch", runtime.GOARCH, "architecture (Go name: amd64, arm64)")
	flag.Parse()
	paths, err := Build(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "package:", err)
		os.Exit(1)
	}
	for _, p := range paths {
		fmt.Println(p)
	}
}

// Options of Build.
type Options struct {
	Bin, Root, Out, Version, Arch string
}

// Package is one package's description.
type Package struct {
	Name, Description string
	Unit              string
	Binaries          []string
	Configs           map[string]string // destination under /etc/esdoctor → source under packaging/etc
}

// Packages are the two packages.
var Packages = []Package{
	{
		Name:        "esdoctor-agent",
		Description: "esdoctor agent: inspects an Elasticsearch node (settings, keystore entry names, certificates, logs) and sends its evidence to the esdoctor aggregator over NATS",
		Unit:        "esdoctor-agent.service",
		Binaries:    []string{"esdoctor-agent"},
		Configs:     map[string]string{"agent.yml": "agent.yml"},
	},
	{
		Name:        "esdoctor-aggregator",
		Description: "esdoctor aggregator and CLI: pairs the evidence of both Elasticsearch clusters into cross-cluster diagnoses (embedded NATS, HTTP API, console)",
		Unit:        "esdoctor-aggregator.service",
		Binaries:    []string{"esdoctor-aggregator", "esdoctor"},
		Configs:     map[string]string{"aggregator.env": "aggregator.env"},
	},
}

// Formats built for each package.
var Formats = []string{"deb", "rpm"}

// Build writes every package in every format to o.Out and returns their
// paths.
func Build(o Options) ([]string, error) {
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	scripts, err := os.MkdirTemp("", "esdoctor-package-scripts-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scripts)
	var out []string
	for _, p := range Packages {
		info, err := p.info(o, scripts)
		if err != nil {
			return nil, err
		}
		for _, format := range Formats {
			path, err := write(info, format, o.Out)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", p.Name, format, err)
			}
			out = append(out, path)
		}
	}
	return out, nil
}

func (p Package) info(o Options, scripts string) (*nfpm.Info, error) {
	pk := filepath.Join(o.Root, "packaging")
	for _, b := range p.Binaries {
		if _, err := os.Stat(filepath.Join(o.Bin, b)); err != nil {
			return nil, fmt.Errorf("%s: binary %s: %w (make build first)", p.Name, b, err)
		}
	}
	// The maintainer scripts, with the unit name filled in.
	script := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(pk, "scripts", name))
		if err != nil {
			return "", err
		}
		dst := filepath.Join(scripts, p.Name+"-"+name)
		return dst, os.WriteFile(dst, []byte(strings.ReplaceAll(string(b), "@UNIT@", p.Unit)), 0o755)
	}
	pre, err := script("preinstall.sh")
	if err != nil {
		return nil, err
	}
	post, err := script("postinstall.sh")
	if err != nil {
		return nil, err
	}
	prerm, err := script("preremove.sh")
	if err != nil {
		return nil, err
	}
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fi := func(owner, group string, mode os.FileMode) *files.ContentFileInfo {
		return &files.ContentFileInfo{Owner: owner, Group: group, Mode: mode, MTime: mtime}
	}
	var contents files.Contents
	for _, b := range p.Binaries {
		contents = append(contents, &files.Content{Source: filepath.Join(o.Bin, b), Destination: "/usr/bin/" + b, FileInfo: fi("root", "root", 0o755)})
	}
	contents = append(contents,
		&files.Content{Source: filepath.Join(pk, "systemd", p.Unit), Destination: "/usr/lib/systemd/system/" + p.Unit, FileInfo: fi("root", "root", 0o644)},
		&files.Content{Destination: "/etc/esdoctor", Type: files.TypeDir, FileInfo: fi("root", "esdoctor", 0o750)},
		&files.Content{Destination: "/var/lib/esdoctor", Type: files.TypeDir, FileInfo: fi("esdoctor", "esdoctor", 0o750)},
	)
	for dst, src := range p.Configs {
		contents = append(contents, &files.Content{Source: filepath.Join(pk, "etc", src), Destination: "/etc/esdoctor/" + dst,
			Type: files.TypeConfigNoReplace, FileInfo: fi("root", "esdoctor", 0o640)})
	}
	info := &nfpm.Info{
		Name:        p.Name,
		Arch:        o.Arch,
		Platform:    "linux",
		Version:     o.Version,
		Release:     "1",
		Section:     "admin",
		Priority:    "optional",
		Maintainer:  "esdoctor maintainers <esdoctor@example.invalid>",
		Description: p.Description,
		Vendor:      "esdoctor",
		Homepage:    "https://github.com/esdoctor/esdoctor",
		License:     "Apache-2.0",
		MTime:       mtime,
		Overridables: nfpm.Overridables{
			Contents: contents,
			Scripts:  nfpm.Scripts{PreInstall: pre, PostInstall: post, PreRemove: prerm},
			Deb:      nfpm.Deb{Compression: "gzip"},
			RPM:      nfpm.RPM{Compression: "gzip", Group: "System Environment/Daemons", Summary: p.Description[:strings.Index(p.Description, ":")]},
		},
	}
	return info, nil
}

func write(in *nfpm.Info, format, outDir string) (string, error) {
	info := *in
	info.Overridables.Contents = append(files.Contents(nil), in.Contents...)
	if err := nfpm.PrepareForPackager(&info, format); err != nil {
		return "", err
	}
	pinfo := nfpm.WithDefaults(&info)
	pkg, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	target := filepath.Join(outDir, pkg.ConventionalFileName(pinfo))
	f, err := os.Create(target)
	if err != nil {
		return "", err
	}
	pinfo.Target = target
	if err := pkg.Package(pinfo, f); err != nil {
		f.Close()
		os.Remove(target)
		return "", err
	}
	return target, f.Close()
}
