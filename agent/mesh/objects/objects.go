// Package objects reads the mesh's own Kubernetes objects from saved
// `kubectl get ... -o yaml` (or -o json) files: PeerAuthentication,
// AuthorizationPolicy, RequestAuthentication, MutatingWebhookConfiguration
// and Namespace, as single objects, multi-document YAML or List kinds. The
// YAML is read with gopkg.in/yaml.v3 into typed structs; other kinds are
// skipped. Parse is pure; Load reads a file or a directory of them.
package objects

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/esdoctor/esdoctor/shared/event"
)

// MaxFileSize bounds one objects file.
const MaxFileSize = 32 << 20

// maxDocuments bounds the documents (and List items) of one file.
const maxDocuments = 100000

type meta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace"`
	Labels    map[string]string `yaml:"labels"`
}

type object struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   meta        `yaml:"metadata"`
	Spec       yaml.Node   `yaml:"spec"`
	Items      []yaml.Node `yaml:"items"`
	Webhooks   []struct {
		Name         string `yaml:"name"`
		ClientConfig struct {
			CABundle string `yaml:"caBundle"`
			Service  *struct {
				Name      string `yaml:"name"`
				Namespace string `yaml:"namespace"`
			} `yaml:"service"`
		} `yaml:"clientConfig"`
	} `yaml:"webhooks"`
}

type selector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type peerAuthnSpec struct {
	Selector *selector `yaml:"selector"`
	MTLS     *struct {
		Mode string `yaml:"mode"`
	} `yaml:"mtls"`
	PortLevelMTLS map[string]struct {
		Mode string `yaml:"mode"`
	} `yaml:"portLevelMtls"`
}

type authzSpec struct {
	Selector *selector   `yaml:"selector"`
	Action   string      `yaml:"action"`
	Rules    []yaml.Node `yaml:"rules"`
}

type requestAuthnSpec struct {
	Selector *selector `yaml:"selector"`
	JWTRules []struct {
		Issuer    string   `yaml:"issuer"`
		Audiences []string `yaml:"audiences"`
	} `yaml:"jwtRules"`
}

var modes = map[string]bool{"": true, "STRICT": true, "PERMISSIVE": true, "DISABLE": true, "UNSET": true}
var actions = map[string]bool{"": true, "ALLOW": true, "DENY": true, "AUDIT": true, "CUSTOM": true}

// Parse reads the objects of one file. name is the file name for errors
// and references. A document that cannot be read is reported (the error
// names the file, the document and the cause) and the others are kept;
// a YAML syntax error ends the file.
func Parse(r io.Reader, name string) (*event.MeshObjects, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("mesh objects %s: %w", name, err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("mesh objects %s: larger than %d MiB", name, MaxFileSize>>20)
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return nil, fmt.Errorf("mesh objects %s: binary data, not YAML or JSON", name)
	}
	out := &event.MeshObjects{}
	var errs []error
	dec := yaml.NewDecoder(bytes.NewReader(b))
	docs, seen := 0, 0
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		docs++
		if err != nil {
			errs = append(errs, fmt.Errorf("mesh objects %s: document %d: %w", name, docs, err))
			break
		}
		if docs > maxDocuments {
			errs = append(errs, fmt.Errorf("mesh objects %s: more than %d documents", name, maxDocuments))
			break
		}
		if isEmptyDoc(&n) {
			continue
		}
		c, err := addNode(out, &n, name, fmt.Sprintf("document %d", docs), 0)
		seen += c
		if err != nil {
			errs = append(errs, err)
		}
	}
	if seen == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("mesh objects %s: no Kubernetes object (want kubectl get ... -o yaml output)", name))
	}
	sortObjects(out)
	return out, errors.Join(errs...)
}

func isEmptyDoc(n *yaml.Node) bool {
	if n.Kind == 0 {
		return true
	}
	if n.Kind == yaml.DocumentNode && (len(n.Content) == 0 || n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag == "!!null") {
		return true
	}
	return false
}

// addNode adds one object (or the items of a List) and returns how many
// objects it saw.
func addNode(out *event.MeshObjects, n *yaml.Node, file, where string, depth int) (int, error) {
	if depth > 2 {
		return 0, fmt.Errorf("mesh objects %s: %s: Lists nested too deep", file, where)
	}
	var o object
	if err := n.Decode(&o); err != nil {
		return 0, fmt.Errorf("mesh objects %s: %s: %w", file, where, err)
	}
	if o.Kind == "" {
		return 0, fmt.Errorf("mesh objects %s: %s: no kind (not a Kubernetes object)", file, where)
	}
	if o.Kind == "List" || strings.HasSuffix(o.Kind, "List") {
		if len(o.Items) > maxDocuments {
			return 0, fmt.Errorf("mesh objects %s: %s: more than %d items", file, where, maxDocuments)
		}
		var errs []error
		count := 1
		for i := range o.Items {
			c, err := addNode(out, &o.Items[i], file, fmt.Sprintf("%s item %d", where, i+1), depth+1)
			count += c
			if err != nil {
				errs = append(errs, err)
			}
		}
		return count, errors.Join(errs...)
	}
	ref := event.ObjectRef{Name: o.Metadata.Name, Namespace: o.Metadata.Namespace, File: file}
	id := fmt.Sprintf("%s %s", o.Kind, refName(ref))
	bad := func(format string, a ...any) error {
		return fmt.Errorf("mesh objects %s: %s: %s: %s", file, where, id, fmt.Sprintf(format, a...))
	}
	if o.Metadata.Name == "" {
		return 1, bad("no metadata.name")
	}
	switch o.Kind {
	case "PeerAuthentication":
		var s peerAuthnSpec
		if o.Spec.Kind != 0 {
			if err := o.Spec.Decode(&s); err != nil {
				return 1, bad("spec: %v", err)
			}
		}
		pa := event.PeerAuthentication{ObjectRef: ref, Selector: s.Selector.labels()}
		if s.MTLS != nil {
			pa.Mode = strings.ToUpper(strings.TrimSpace(s.MTLS.Mode))
		}
		if !modes[pa.Mode] {
			return 1, bad("mtls.mode %q is not STRICT, PERMISSIVE, DISABLE or UNSET", s.MTLS.Mode)
		}
		for port, m := range s.PortLevelMTLS {
			mode := strings.ToUpper(strings.TrimSpace(m.Mode))
			if !modes[mode] {
				return 1, bad("portLevelMtls[%s].mode %q is not STRICT, PERMISSIVE, DISABLE or UNSET", port, m.Mode)
			}
			if pa.PortModes == nil {
				pa.PortModes = map[string]string{}
			}
			pa.PortModes[port] = mode
		}
		out.PeerAuthentications = append(out.PeerAuthentications, pa)
	case "AuthorizationPolicy":
		var s authzSpec
		if o.Spec.Kind != 0 {
			if err := o.Spec.Decode(&s); err != nil {
				return 1, bad("spec: %v", err)
			}
		}
		action := strings.ToUpper(strings.TrimSpace(s.Action))
		if !actions[action] {
			return 1, bad("action %q is not ALLOW, DENY, AUDIT or CUSTOM", s.Action)
		}
		if action == "" {
			action = "ALLOW"
		}
		ap := event.AuthorizationPolicy{ObjectRef: ref, Selector: s.Selector.labels(), Action: action, Rules: len(s.Rules)}
		switch action {
		case "ALLOW":
			ap.DenyAll = len(s.Rules) == 0
		case "DENY":
			for _, r := range s.Rules {
				if r.Kind == yaml.MappingNode && len(r.Content) == 0 {
					ap.DenyAll = true
				}
			}
		}
		out.AuthorizationPolicies = append(out.AuthorizationPolicies, ap)
	case "RequestAuthentication":
		var s requestAuthnSpec
		if o.Spec.Kind != 0 {
			if err := o.Spec.Decode(&s); err != nil {
				return 1, bad("spec: %v", err)
			}
		}
		ra := event.RequestAuthentication{ObjectRef: ref, Selector: s.Selector.labels()}
		for _, j := range s.JWTRules {
			if j.Issuer != "" {
				ra.Issuers = append(ra.Issuers, j.Issuer)
			}
			ra.Audiences = append(ra.Audiences, j.Audiences...)
		}
		out.RequestAuthentications = append(out.RequestAuthentications, ra)
	case "MutatingWebhookConfiguration":
		mw := event.MutatingWebhookConfig{ObjectRef: ref, Webhooks: []event.MutatingWebhook{}}
		for i, w := range o.Webhooks {
			h := event.MutatingWebhook{Name: w.Name}
			if cb := strings.TrimSpace(w.ClientConfig.CABundle); cb != "" {
				der, err := base64.StdEncoding.DecodeString(cb)
				if err != nil {
					return 1, bad("webhooks[%d].clientConfig.caBundle is not base64: %v", i, err)
				}
				sum := sha256.Sum256(der)
				h.CABundleBytes, h.CABundleSHA256 = len(der), hex.EncodeToString(sum[:])
			}
			if sv := w.ClientConfig.Service; sv != nil {
				h.Service = sv.Namespace + "/" + sv.Name
			}
			mw.Webhooks = append(mw.Webhooks, h)
		}
		out.MutatingWebhooks = append(out.MutatingWebhooks, mw)
	case "Namespace":
		ns := event.Namespace{ObjectRef: event.ObjectRef{Name: o.Metadata.Name, File: file}, Labels: o.Metadata.Labels}
		out.Namespaces = append(out.Namespaces, ns)
	}
	return 1, nil
}

func (s *selector) labels() map[string]string {
	if s == nil || len(s.MatchLabels) == 0 {
		return nil
	}
	return s.MatchLabels
}

func refName(r event.ObjectRef) string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

func sortObjects(o *event.MeshObjects) {
	key := func(r event.ObjectRef) string { return r.Namespace + "\x00" + r.Name + "\x00" + r.File }
	sort.SliceStable(o.PeerAuthentications, func(i, j int) bool {
		return key(o.PeerAuthentications[i].ObjectRef) < key(o.PeerAuthentications[j].ObjectRef)
	})
	sort.SliceStable(o.AuthorizationPolicies, func(i, j int) bool {
		return key(o.AuthorizationPolicies[i].ObjectRef) < key(o.AuthorizationPolicies[j].ObjectRef)
	})
	sort.SliceStable(o.RequestAuthentications, func(i, j int) bool {
		return key(o.RequestAuthentications[i].ObjectRef) < key(o.RequestAuthentications[j].ObjectRef)
	})
	sort.SliceStable(o.MutatingWebhooks, func(i, j int) bool {
		return key(o.MutatingWebhooks[i].ObjectRef) < key(o.MutatingWebhooks[j].ObjectRef)
	})
	sort.SliceStable(o.Namespaces, func(i, j int) bool { return key(o.Namespaces[i].ObjectRef) < key(o.Namespaces[j].ObjectRef) })
}

// Merge appends b's objects to a.
func Merge(a, b *event.MeshObjects) {
	a.PeerAuthentications = append(a.PeerAuthentications, b.PeerAuthentications...)
	a.AuthorizationPolicies = append(a.AuthorizationPolicies, b.AuthorizationPolicies...)
	a.RequestAuthentications = append(a.RequestAuthentications, b.RequestAuthentications...)
	a.MutatingWebhooks = append(a.MutatingWebhooks, b.MutatingWebhooks...)
	a.Namespaces = append(a.Namespaces, b.Namespaces...)
	sortObjects(a)
}

// Load reads a file, or every .yaml/.yml/.json file of a directory (not
// recursively), and returns the objects, the files read and an error per
// file that could not be read (the others are still read).
func Load(path string) (*event.MeshObjects, []string, []error) {
	out := &event.MeshObjects{}
	st, err := os.Stat(path)
	if err != nil {
		return out, nil, []error{fmt.Errorf("mesh objects %s: %w", path, err)}
	}
	files := []string{path}
	if st.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return out, nil, []error{fmt.Errorf("mesh objects %s: %w", path, err)}
		}
		files = files[:0]
		for _, e := range ents {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".yaml", ".yml", ".json":
				if !e.IsDir() {
					files = append(files, filepath.Join(path, e.Name()))
				}
			}
		}
		sort.Strings(files)
	}
	var errs []error
	var read []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("mesh objects %s: %w", f, err))
			continue
		}
		o, err := Parse(fh, f)
		fh.Close()
		if o != nil {
			Merge(out, o)
			read = append(read, f)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, read, errs
}
