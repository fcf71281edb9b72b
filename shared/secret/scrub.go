package secret

import (
	"encoding/base64"
	"regexp"
	"strings"
)

// Redaction by shape: values that look like secrets wherever they appear
// (a log line, an error, a setting value), replaced before anything leaves
// the agent. What stays: API key *ids* (ES logs them; they name a key
// without granting anything), AWS access key ids, certificate fingerprints
// and other hex digests.
var (
	// A PEM private key block (any type), or its start when cut.
	pemPrivate = regexp.MustCompile(`-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----(?s:.*?)(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`)
	// Authorization headers and bare "ApiKey"/"Bearer"/"Basic" credentials.
	authHeader = regexp.MustCompile(`(?i)\b(authorization|proxy-authorization|es-secondary-authorization)(["']?\s*[:=]\s*["']?)(?:(ApiKey|Bearer|Basic|Negotiate|Digest|SharedSecret)\s+)?[^\s"',;]+`)
	authScheme = regexp.MustCompile(`\b(ApiKey|Bearer|Basic)\s+([A-Za-z0-9+/_.~-]{8,}={0,2})`)
	// key=value / key: value pairs whose key names a secret.
	secretPair = regexp.MustCompile(`(?i)\b([a-z0-9_.-]*(?:passw(?:or)?d|pass_?phrase|pwd|secret(?:_?key)?|credentials?|api_?key|access_?token|refresh_?token|session_?token|auth_?token|private_?key))(\\?["']?\s*(?:=|:)\s*\\?["']?)([^\s"'\\,;&}\]]+)`)
	// user:password@ in a URL.
	urlPassword = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@"']+):([^\s@/"']+)@`)
	// Candidates for AWS secret keys (40 characters of base64) and API key
	// encodings (base64 of "id:secret"); checked further in code.
	base64Run = regexp.MustCompile(`[A-Za-z0-9+/_-]{40,}={0,2}`)
)

// notAValue are words that follow "password:" in prose ("wrong password:
// the password from ..."), not values.
var notAValue = map[string]bool{"the": true, "a": true, "an": true, "is": true, "was": true, "for": true, "not": true,
	"from": true, "of": true, "to": true, "missing": true, "invalid": true, "wrong": true, "incorrect": true,
	"required": true, "empty": true, "none": true, "null": true, "true": true, "false": true, "unset": true,
	"set": true, "no": true, "yes": true, "expected": true, "given": true}

// Scrub replaces secret-shaped values in s with Redacted.
func Scrub(s string) string {
	if s == "" {
		return s
	}
	s = pemPrivate.ReplaceAllString(s, "-----BEGIN ${1}PRIVATE KEY----- "+Redacted+" -----END ${1}PRIVATE KEY-----")
	s = authHeader.ReplaceAllStringFunc(s, func(m string) string {
		sub := authHeader.FindStringSubmatch(m)
		out := sub[1] + sub[2]
		if sub[3] != "" {
			out += sub[3] + " "
		}
		return out + Redacted
	})
	s = authScheme.ReplaceAllStringFunc(s, func(m string) string {
		sub := authScheme.FindStringSubmatch(m)
		if !credentialShaped(sub[2]) {
			return m
		}
		return sub[1] + " " + Redacted
	})
	s = secretPair.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretPair.FindStringSubmatch(m)
		if sub[3] == Redacted || strings.HasPrefix(sub[3], "<") || notAValue[strings.ToLower(sub[3])] {
			return m
		}
		return sub[1] + sub[2] + Redacted
	})
	s = urlPassword.ReplaceAllString(s, "${1}:"+Redacted+"@")
	s = base64Run.ReplaceAllStringFunc(s, func(m string) string {
		if looksAPIKeyEncoding(m) || looksAWSSecret(m) {
			return Redacted
		}
		return m
	})
	return s
}

// credentialShaped tells a token ("dGVzdDp0ZXN0MTIz") from a word
// ("authentication"): 16 characters or more with a digit, a symbol or
// padding.
func credentialShaped(t string) bool {
	if len(t) < 16 {
		return false
	}
	return strings.ContainsAny(t, "0123456789+/=_-.~")
}

// looksAPIKeyEncoding: base64 of "id:secret" as Elasticsearch issues
// (the "encoded" field of a create-API-key response).
func looksAPIKeyEncoding(m string) bool {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(m)
		if err != nil {
			continue
		}
		i := strings.IndexByte(string(b), ':')
		if i < 8 || len(b)-i-1 < 8 {
			return false
		}
		for _, c := range b {
			if c < 0x21 || c > 0x7e {
				return false
			}
		}
		return true
	}
	return false
}

// looksAWSSecret: exactly 40 characters of base64 mixing upper case, lower
// case and digits (a hex digest has one case only and stays).
func looksAWSSecret(m string) bool {
	if len(m) != 40 {
		return false
	}
	var up, low, dig bool
	for _, c := range m {
		switch {
		case c >= 'A' && c <= 'Z':
			up = true
		case c >= 'a' && c <= 'z':
			low = true
		case c >= '0' && c <= '9':
			dig = true
		case c == '_' || c == '-':
			return false
		}
	}
	return up && low && dig
}

// secretWords are the words that make a setting name secret; a word
// within a small edit distance of one (a typo such as "pasword" or
// "credential") counts too.
var secretWords = []string{"password", "passphrase", "credentials", "secret"}

// exactSecretWords are short words that count only when spelled exactly.
var exactSecretWords = map[string]bool{"pwd": true, "passwd": true, "pass": true, "pw": true}

// IsSecretName reports whether a setting name (dotted, any depth) holds a
// secret: any of its segments, or any word of a segment, is a secret word
// or a near miss of one. Everything under such a segment is secret too
// ("keystore.password.a" is).
func IsSecretName(name string) bool {
	for _, seg := range strings.Split(strings.ToLower(name), ".") {
		if seg == "" {
			continue
		}
		if strings.Contains(seg, "password") || strings.Contains(seg, "passphrase") || strings.Contains(seg, "credential") ||
			strings.Contains(seg, "secret") || seg == "access_key" || seg == "session_token" {
			return true
		}
		words := strings.FieldsFunc(seg, func(r rune) bool { return r == '_' || r == '-' })
		for _, w := range append(words, strings.Join(words, "")) {
			if exactSecretWords[w] {
				return true
			}
			for _, sw := range secretWords {
				if nearMiss(w, sw) {
					return true
				}
			}
		}
	}
	return false
}

// nearMiss reports an edit distance of at most 1 (words under 8 letters) or
// 2 (longer) between w and a secret word, transpositions counted once.
func nearMiss(w, sw string) bool {
	max := 1
	if len(sw) >= 8 {
		max = 2
	}
	d := len(w) - len(sw)
	if d < -max || d > max {
		return false
	}
	return editDistance(w, sw) <= max
}

// editDistance is the optimal-string-alignment distance.
func editDistance(a, b string) int {
	la, lb := len(a), len(b)
	prev2 := make([]int, lb+1)
	prev := make([]int, lb+1)
	cur := make([]int, lb+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[lb]
}
