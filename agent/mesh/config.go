package mesh

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/agent/mesh/certcheck"
	"github.com/esdoctor/esdoctor/agent/mesh/objects"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Config names the pack's inputs: the agent config's `mesh:` section and
// the collect flags.
type Config struct {
	// Enabled turns the pack on; a section with inputs is enabled.
	Enabled bool `yaml:"enabled"`
	// Logs are istiod and istio-proxy log files or globs
	// (/var/log/containers/*istiod*, /var/log/containers/*istio-proxy*, a
	// saved `kubectl logs`).
	Logs []string `yaml:"logs"`
	// Objects are saved `kubectl get ... -o yaml` files or directories.
	Objects []string `yaml:"objects"`
	// CertChecks are saved `openssl s_client -alpn istio -showcerts`
	// outputs or X-Forwarded-Client-Cert values (files or globs).
	CertChecks []string `yaml:"cert_checks"`
	// TrustDomain is the mesh's expected trust domain.
	TrustDomain string `yaml:"trust_domain"`
	// CA is the expected CA: mesh-ca or istiod.
	CA string `yaml:"ca"`
}

// On reports whether the pack is on.
func (c *Config) On() bool {
	return c != nil && (c.Enabled || len(c.Logs) > 0 || len(c.Objects) > 0 || len(c.CertChecks) > 0)
}

// Validate checks the values (not the files, which may appear later).
func (c *Config) Validate() error {
	switch c.CA {
	case "", "mesh-ca", "istiod":
	default:
		return fmt.Errorf("mesh.ca %q: want mesh-ca or istiod", c.CA)
	}
	for _, g := range append(append(append([]string{}, c.Logs...), c.CertChecks...), c.Objects...) {
		if _, err := filepath.Match(g, ""); err != nil {
			return fmt.Errorf("mesh: pattern %q: %w", g, err)
		}
	}
	return nil
}

// Resolve makes relative paths absolute against base (the config file's
// directory).
func (c *Config) Resolve(base string) {
	for _, l := range []*[]string{&c.Logs, &c.Objects, &c.CertChecks} {
		for i, p := range *l {
			if p != "" && !filepath.IsAbs(p) {
				(*l)[i] = filepath.Join(base, p)
			}
		}
	}
}

// expand turns files and globs into existing paths (sorted, unique); a
// pattern matching nothing that is not a glob is an error.
func expand(patterns []string) ([]string, []event.FileError) {
	seen := map[string]bool{}
	var out []string
	var errs []event.FileError
	for _, p := range patterns {
		matches, err := filepath.Glob(p)
		if err != nil {
			errs = append(errs, event.FileError{File: p, Error: err.Error()})
			continue
		}
		if len(matches) == 0 && !strings.ContainsAny(p, "*?[") {
			errs = append(errs, event.FileError{File: p, Error: "no such file or directory"})
		}
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	sort.Strings(out)
	return out, errs
}

// LogFiles are the log files the globs match now.
func (c *Config) LogFiles() ([]string, []event.FileError) { return expand(c.Logs) }

// Read reads the objects and certificate checks. What cannot be read is
// listed in Mesh.Errors; the rest is still read.
func (c *Config) Read() *event.Mesh {
	m := &event.Mesh{TrustDomain: c.TrustDomain, CA: c.CA}
	paths, errs := expand(c.Objects)
	m.Errors = append(m.Errors, errs...)
	for _, p := range paths {
		o, files, perrs := objects.Load(p)
		objects.Merge(&m.Objects, o)
		m.ObjectFiles = append(m.ObjectFiles, files...)
		for _, e := range perrs {
			m.Errors = append(m.Errors, event.FileError{File: p, Error: e.Error()})
		}
	}
	checks, errs := expand(c.CertChecks)
	m.Errors = append(m.Errors, errs...)
	for _, p := range checks {
		cc, err := certcheck.Load(p)
		if err != nil {
			m.Errors = append(m.Errors, event.FileError{File: p, Error: err.Error()})
			continue
		}
		m.CertChecks = append(m.CertChecks, cc)
	}
	return m
}
