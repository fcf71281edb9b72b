// Package certcheck reads the two mTLS certificate checks of guide 002: the
// output of `openssl s_client -alpn istio -showcerts -connect HOST:PORT` run
// in a sidecar (the chain the peer presents, PEM blocks and the " 0 s:...
// i:..." summary lines of OpenSSL 1.1 and 3.x), and an
// X-Forwarded-Client-Cert header value (By=...;Hash=...;Subject="...";URI=...,
// possibly inside the JSON httpbin echoes). Parse is pure; Load reads a file.
package certcheck

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/shared/event"
)

// MaxFileSize bounds one check file.
const MaxFileSize = 4 << 20

// Load reads one saved check.
func Load(path string) (event.MeshCertCheck, error) {
	f, err := os.Open(path)
	if err != nil {
		return event.MeshCertCheck{File: path}, fmt.Errorf("mesh cert check %s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return event.MeshCertCheck{File: path}, fmt.Errorf("mesh cert check %s: %w", path, err)
	}
	return Parse(string(b), path)
}

// Parse reads s_client output or an XFCC value, whichever the text is.
func Parse(text, name string) (event.MeshCertCheck, error) {
	if len(text) > MaxFileSize {
		return event.MeshCertCheck{File: name}, fmt.Errorf("mesh cert check %s: larger than %d MiB", name, MaxFileSize>>20)
	}
	if strings.Contains(text, "-----BEGIN CERTIFICATE-----") || reChainLine.MatchString(text) || strings.Contains(text, "CONNECTED(") {
		return ParseSClient(text, name)
	}
	if i := xfccStart(text); i >= 0 {
		return ParseXFCC(text[i:], name)
	}
	return event.MeshCertCheck{File: name}, fmt.Errorf("mesh cert check %s: neither openssl s_client output (no certificate chain) nor an X-Forwarded-Client-Cert value (no By=, Hash=, Subject= or URI=)", name)
}

var (
	// " 0 s:O = cluster.local" (1.1) / " 0 s:O=cluster.local" (3.x), and
	// "   i:..." on the next line.
	reChainLine = regexp.MustCompile(`(?m)^\s*(\d+) s:(.*)$`)
	reIssuer    = regexp.MustCompile(`^\s*i:(.*)$`)
)

// ParseSClient reads `openssl s_client -showcerts` output.
func ParseSClient(text, name string) (event.MeshCertCheck, error) {
	c := event.MeshCertCheck{File: name, Kind: "s_client"}
	rest := []byte(text)
	var bad []string
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		c.Chain = append(c.Chain, certName(cert))
	}
	if len(c.Chain) == 0 {
		// Without -showcerts, or a copy without the PEM blocks: the
		// summary lines.
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			m := reChainLine.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			n := dnName(strings.TrimSpace(m[2]))
			if i+1 < len(lines) {
				if im := reIssuer.FindStringSubmatch(lines[i+1]); im != nil {
					n.Issuer = normDN(strings.TrimSpace(im[1]))
				}
			}
			c.Chain = append(c.Chain, n)
		}
	}
	if len(c.Chain) == 0 {
		if len(bad) > 0 {
			return c, fmt.Errorf("mesh cert check %s: no certificate could be read: %s", name, bad[0])
		}
		if strings.Contains(text, "no peer certificate available") {
			return c, fmt.Errorf("mesh cert check %s: the peer sent no certificate (no peer certificate available)", name)
		}
		return c, fmt.Errorf("mesh cert check %s: no certificate chain in the s_client output", name)
	}
	last := c.Chain[len(c.Chain)-1]
	if last.Issuer != "" && last.Issuer == last.Subject {
		r := last
		c.Root = &r
	}
	for _, n := range c.Chain {
		for _, u := range n.URIs {
			c.Identities = append(c.Identities, u)
		}
	}
	c.TrustDomains = trustDomains(c.Identities)
	return c, nil
}

func certName(c *x509.Certificate) event.MeshCertName {
	n := event.MeshCertName{Subject: normDN(c.Subject.String()), Issuer: normDN(c.Issuer.String()), CN: c.Subject.CommonName,
		O: c.Subject.Organization, OU: c.Subject.OrganizationalUnit}
	for _, u := range c.URIs {
		n.URIs = append(n.URIs, u.String())
	}
	if n.Subject == "" {
		n.Subject = "(empty subject)"
	}
	return n
}

// dnName reads an OpenSSL one-line DN ("O = cluster.local", "CN=x, O=y",
// "/O=x/CN=y").
func dnName(s string) event.MeshCertName {
	n := event.MeshCertName{Subject: normDN(s)}
	for _, rdn := range splitDN(s) {
		k, v, ok := strings.Cut(rdn, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"`)
		switch strings.ToUpper(k) {
		case "CN":
			n.CN = v
		case "O":
			n.O = append(n.O, v)
		case "OU":
			n.OU = append(n.OU, v)
		}
	}
	return n
}

func splitDN(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "/") {
		return strings.Split(s[1:], "/")
	}
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ',' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(out, cur.String())
}

// normDN writes a DN as "K=V,K=V" without the spaces OpenSSL 1.1 puts
// around "=" and after ",".
func normDN(s string) string {
	parts := splitDN(s)
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if ok {
			parts[i] = strings.TrimSpace(k) + "=" + strings.TrimSpace(v)
		} else {
			parts[i] = strings.TrimSpace(p)
		}
	}
	return strings.Join(parts, ",")
}

// xfccStart finds the start of an XFCC value in text (a bare value, a
// "X-Forwarded-Client-Cert: ..." header line or httpbin's JSON echo).
func xfccStart(text string) int {
	for _, h := range []string{"X-Forwarded-Client-Cert", "x-forwarded-client-cert"} {
		if i := strings.Index(text, h); i >= 0 {
			rest := text[i+len(h):]
			j := strings.IndexAny(rest, "BHSUCD")
			if j >= 0 {
				return i + len(h) + j
			}
		}
	}
	best := -1
	for _, k := range []string{"By=", "Hash=", "Subject=", "URI="} {
		if i := strings.Index(text, k); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// ParseXFCC reads an X-Forwarded-Client-Cert value: elements separated by
// ",", pairs by ";", values optionally quoted (with \" inside).
func ParseXFCC(v, name string) (event.MeshCertCheck, error) {
	c := event.MeshCertCheck{File: name, Kind: "xfcc"}
	v = strings.TrimSpace(v)
	// Cut the JSON echo's closing quote and anything after the value.
	if i := strings.IndexAny(v, "\n\r"); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimRight(v, `",} `)
	v = strings.ReplaceAll(v, `\"`, `"`)
	elements, err := splitXFCC(v)
	if err != nil {
		return c, fmt.Errorf("mesh cert check %s: X-Forwarded-Client-Cert: %w", name, err)
	}
	for _, el := range elements {
		var n event.MeshCertName
		known := false
		for _, kv := range el {
			k, val := kv[0], kv[1]
			switch strings.ToLower(k) {
			case "by":
				known = true
				c.Identities = append(c.Identities, val)
			case "uri":
				known = true
				n.URIs = append(n.URIs, val)
				c.Identities = append(c.Identities, val)
			case "subject":
				known = true
				d := dnName(val)
				n.Subject, n.CN, n.O, n.OU = d.Subject, d.CN, d.O, d.OU
			case "hash", "cert", "chain", "dns":
				known = true
			default:
				return c, fmt.Errorf("mesh cert check %s: X-Forwarded-Client-Cert: unknown key %q", name, clip(k, 40))
			}
		}
		if !known {
			continue
		}
		if n.Subject != "" || len(n.URIs) > 0 {
			c.Chain = append(c.Chain, n)
		}
	}
	if len(c.Identities) == 0 && len(c.Chain) == 0 {
		return c, fmt.Errorf("mesh cert check %s: X-Forwarded-Client-Cert holds no By, URI or Subject", name)
	}
	c.TrustDomains = trustDomains(c.Identities)
	return c, nil
}

// splitXFCC splits into elements of key/value pairs, honouring quotes.
func splitXFCC(v string) ([][][2]string, error) {
	var out [][][2]string
	var el [][2]string
	var cur strings.Builder
	quoted := false
	flush := func() error {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		if s == "" {
			return nil
		}
		k, val, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("pair %q is not KEY=VALUE", clip(s, 60))
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		el = append(el, [2]string{strings.TrimSpace(k), val})
		return nil
	}
	for _, r := range v {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ';' && !quoted:
			if err := flush(); err != nil {
				return nil, err
			}
		case r == ',' && !quoted:
			if err := flush(); err != nil {
				return nil, err
			}
			if len(el) > 0 {
				out = append(out, el)
			}
			el = nil
		default:
			cur.WriteRune(r)
		}
	}
	if quoted {
		return nil, errors.New("unterminated quote")
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(el) > 0 {
		out = append(out, el)
	}
	return out, nil
}

// trustDomains returns the trust domains of spiffe:// identities, sorted.
func trustDomains(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !strings.HasPrefix(id, "spiffe://") {
			continue
		}
		td, _, _ := strings.Cut(strings.TrimPrefix(id, "spiffe://"), "/")
		if td != "" && !seen[td] {
			seen[td] = true
			out = append(out, td)
		}
	}
	sort.Strings(out)
	return out
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
