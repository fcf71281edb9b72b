package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// Bounds on ${...} resolution: values may reference each other, and a chain
// of doubling references would otherwise grow exponentially. The budget of
// replacements and of bytes copied is shared by the whole file.
const (
	maxResolvedLen    = 64 << 10
	maxResolveSteps   = 20000
	maxResolvedCopied = 32 << 20
)

// budget counts the work done resolving placeholders in one file.
type budget struct{ steps, copied int }

var errExpansion = errors.New("placeholder expansion too large")

// resolvePlaceholders is Elasticsearch 8.x's
// Settings.Builder.replacePropertyPlaceholders: every value (and list item)
// has its ${name} and ${name:default} replaced by the value of the setting
// "name" (environment variables were handled before parsing); nested and
// recursive placeholders resolve, cycles are an error, ${prompt.*} is left
// as is, and a scalar that ends up empty is removed. Keys are visited in
// sorted order, as in Elasticsearch's TreeMap, so the first error is the
// same one Elasticsearch reports.
func resolvePlaceholders(vals map[string]*rawEntry, name string) error {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var work budget
	for _, key := range keys {
		e, ok := vals[key]
		if !ok {
			continue
		}
		r := &resolver{vals: vals, work: &work}
		fail := func(err error) error {
			return fmt.Errorf("line %d: setting [%s]: %s (Failed to replace property placeholders from [%s])",
				e.line, key, r.redact(err, IsSecretKey(key)), baseName(name))
		}
		if e.isList {
			for i, it := range e.list {
				s, err := r.replace(it)
				if err != nil {
					return fail(err)
				}
				e.list[i] = s
			}
		} else {
			s, err := r.replace(e.scalar)
			if err != nil {
				return fail(err)
			}
			if s == "" {
				delete(vals, key)
				continue
			}
			e.scalar = s
		}
		if r.touchedSecret && !IsSecretKey(key) {
			e.tainted = true
		}
	}
	return nil
}

// resolver is PropertyPlaceholder with the settings map as its source.
type resolver struct {
	vals          map[string]*rawEntry
	touchedSecret bool
	work          *budget // shared by the file
}

type placeholderError struct{ msg, name string }

func (e *placeholderError) Error() string { return fmt.Sprintf(e.msg, e.name) }

// redact hides a placeholder name in an error when it comes from a secret
// value, or when resolution read a secret (the name may then be built from
// the secret's value).
func (r *resolver) redact(err error, secretKey bool) string {
	var pe *placeholderError
	if (secretKey || r.touchedSecret) && errors.As(err, &pe) {
		return fmt.Sprintf(pe.msg, secret.Redacted)
	}
	return err.Error()
}

func (r *resolver) replace(s string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	return r.parse(s, map[string]bool{})
}

// parse follows PropertyPlaceholder.parseStringValue, including its quirk
// of forgetting the visited name without its ":default" part.
func (r *resolver) parse(strVal string, visited map[string]bool) (string, error) {
	buf := strVal
	start := strings.Index(buf, "${")
	for start != -1 {
		if r.work.steps++; r.work.steps > maxResolveSteps || len(buf) > maxResolvedLen {
			return "", errExpansion
		}
		end := findPlaceholderEnd(buf, start)
		if end == -1 {
			break
		}
		ph := buf[start+2 : end]
		if visited[ph] {
			return "", &placeholderError{"Circular placeholder reference '%s' in property definitions", ph}
		}
		visited[ph] = true
		ph, err := r.parse(ph, visited)
		if err != nil {
			return "", err
		}
		var def *string
		if i := strings.IndexByte(ph, ':'); i >= 0 {
			d := ph[i+1:]
			def, ph = &d, ph[:i]
		}
		val, ok := r.lookup(ph)
		if !ok && def != nil {
			val, ok = *def, true
		}
		if !ok && strings.HasPrefix(ph, "prompt.") {
			// shouldIgnoreMissing && !shouldRemoveMissingPlaceholder: the
			// whole value stays as written.
			return strVal, nil
		}
		if !ok {
			return "", &placeholderError{"Could not resolve placeholder '%s'", ph}
		}
		val, err = r.parse(val, visited)
		if err != nil {
			return "", err
		}
		buf = buf[:start] + val + buf[end+1:]
		if r.work.copied += len(buf); len(buf) > maxResolvedLen || r.work.copied > maxResolvedCopied {
			return "", errExpansion
		}
		if next := strings.Index(buf[start+len(val):], "${"); next >= 0 {
			start += len(val) + next
		} else {
			start = -1
		}
		delete(visited, ph)
	}
	return buf, nil
}

func (r *resolver) lookup(name string) (string, bool) {
	e, ok := r.vals[name]
	if !ok {
		return "", false
	}
	if IsSecretKey(name) || e.tainted {
		r.touchedSecret = true
	}
	return e.text(), true
}

// findPlaceholderEnd returns the index of the "}" closing the placeholder
// that starts at start, honouring nested "${...}"; -1 when there is none.
func findPlaceholderEnd(buf string, start int) int {
	nested := 0
	for i := start + 2; i < len(buf); {
		switch {
		case buf[i] == '}':
			if nested == 0 {
				return i
			}
			nested--
			i++
		case strings.HasPrefix(buf[i:], "${"):
			nested++
			i += 2
		default:
			i++
		}
	}
	return -1
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
