package inspect

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// WriteText prints a snapshot for people.
func WriteText(w io.Writer, s *event.Snapshot) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("node %s of cluster %s (host %s)", s.Node, s.Cluster, s.Host)
	p("  config   %s", s.PathConf)
	if s.PathLogs != "" {
		p("  logs     %s", s.PathLogs)
	}
	if s.ESVersion != "" {
		p("  version  %s", s.ESVersion)
	}
	if s.StartedAt != nil {
		p("  started  %s (from the %s)", s.StartedAt.Format(time.RFC3339), s.StartSource)
	}
	for _, a := range s.Addresses {
		p("  listens  %-15s %s:%d (%s)", a.Profile, a.Host, a.Port, a.Source)
	}

	p("\nsettings:")
	keys := make([]string, 0, len(s.Settings))
	for k := range s.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := s.Settings[k]
		val := v.Value
		if len(v.Values) > 0 {
			val = "[" + strings.Join(v.Values, ", ") + "]"
		}
		suffix := ""
		if v.Default {
			suffix = "  (default)"
		} else if v.Source != "" && v.Source != "yml" {
			suffix = "  (" + v.Source + ")"
		}
		if v.Note != "" {
			suffix += "  " + v.Note
		}
		p("  %s = %s%s", k, val, suffix)
	}

	if ks := s.Keystore; ks != nil {
		pw := "no password"
		if ks.PasswordProtected {
			pw = "password-protected"
		}
		p("\nkeystore %s (format v%d, %s): %d entries", ks.Path, ks.FormatVersion, pw, len(ks.Entries))
		for _, e := range ks.Entries {
			extra := ""
			if e.APIKeyID != "" {
				extra = "  api key id " + e.APIKeyID
			}
			p("  %-60s %s%s", e.Name, e.Fingerprint, extra)
		}
	} else {
		p("\nkeystore: none")
	}

	if len(s.Certificates) > 0 {
		p("\ncertificates:")
	}
	for _, f := range s.Certificates {
		pw := ""
		if f.PasswordOK != nil {
			if *f.PasswordOK {
				pw = ", password ok"
			} else {
				pw = ", PASSWORD DOES NOT OPEN IT"
			}
			if f.PasswordSource != "" {
				pw += " (" + f.PasswordSource + ")"
			}
		}
		key := ""
		if f.HasPrivateKey {
			key = ", private key"
		}
		p("  %s = %s (%s%s%s)", f.Setting, f.Path, f.Format, pw, key)
		if f.Error != "" {
			p("    error: %s", f.Error)
		}
		for _, c := range f.Certificates {
			alias := ""
			if c.Alias != "" {
				alias = "[" + c.Alias + "] "
			}
			ca := ""
			if c.IsCA {
				ca = " (CA)"
			}
			p("    %s%s%s issued by %s", alias, c.Subject, ca, c.Issuer)
			p("      valid %s .. %s  sha1 %s", c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02"), c.SHA1)
			if len(c.SANs) > 0 {
				p("      SANs %s", strings.Join(c.SANs, ","))
			}
		}
	}

	if len(s.Remotes) > 0 {
		p("\nremote clusters:")
	}
	for _, r := range s.Remotes {
		target := strings.Join(r.Seeds, ",")
		if r.ProxyAddress != "" {
			target = r.ProxyAddress
		}
		cred := "certificate model (no credentials in the keystore)"
		if r.HasCredentials {
			cred = "API key model"
			if r.APIKeyID != "" {
				cred += " (key id " + r.APIKeyID + ")"
			}
		}
		mode := r.Mode
		if mode == "" {
			mode = "?"
		}
		p("  %s: %s %s from %s; %s", r.Alias, mode, target, r.Source, cred)
	}

	p("\nproblems: %d", len(s.Problems))
	for _, pr := range s.Problems {
		p("  [%s] %s: %s", pr.Severity, pr.Code, pr.Message)
	}
	if len(s.Errors) > 0 {
		p("\nerrors: %d", len(s.Errors))
		for _, e := range s.Errors {
			p("  %s: %s", e.File, e.Error)
		}
	}
}
