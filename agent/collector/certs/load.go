package certs

import (
	"crypto/x509"

	"github.com/esdoctor/esdoctor/internal/kdfbudget"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// MaxFileSize is the largest file Load reads (16 MiB); real keystores are
// a few KiB.
const MaxFileSize = 16 << 20

// Load reads one file. password may be zero (no password configured); for
// a PEM private key it is the key passphrase. passwordSource names where it
// came from (a keystore entry name or a yml setting name) and is copied to
// File.PasswordSource. format is what the setting expects (InferFormat);
// the content decides what is parsed, and a difference is reported.
//
// Load never fails hard: problems go to File.Error (naming the file and the
// cause) and to Problems. It always returns an *Opened; the error is
// non-nil (an *Error, the most telling problem) only when nothing usable
// could be read: no certificate and no private key that opened. A JKS
// with a wrong password still lists its certificates and returns nil.
func Load(setting, path string, format Format, password secret.Bytes, passwordSource string) (*Opened, error) {
	return LoadBudget(setting, path, format, password, passwordSource, nil)
}

// LoadBudget is Load charging the file's key derivations (PKCS#12 MAC,
// contents and keys, encrypted PEM keys) to a per-file budget under
// inspection (nil: the per-file budget alone). A file that asks for more
// work gets a KindLimit problem naming the cap.
func LoadBudget(setting, path string, format Format, password secret.Bytes, passwordSource string, inspection *kdfbudget.Budget) (*Opened, error) {
	o := newOpened(setting, path, format, passwordSource)
	o.budget = kdfbudget.ForFile(inspection)
	probs := &problems{path: path}
	data, mtime, err := readFile(path)
	if err != nil {
		probs.list = append(probs.list, err)
		return o.finish(probs)
	}
	o.File.ModTime = mtime
	o.parse(data, format, password, probs)
	return o.finish(probs)
}

// Parse is Load without the file system: data is the file content and path
// only names it in the report.
func Parse(data []byte, setting, path string, format Format, password secret.Bytes, passwordSource string) (*Opened, error) {
	o := newOpened(setting, path, format, passwordSource)
	o.budget = kdfbudget.ForFile(nil)
	probs := &problems{path: path}
	switch {
	case len(data) == 0:
		probs.add(KindEmpty, "0 bytes")
	case len(data) > MaxFileSize:
		probs.add(KindTooLarge, "%d bytes, the limit is %d", len(data), MaxFileSize)
	default:
		o.parse(data, format, password, probs)
	}
	return o.finish(probs)
}

func newOpened(setting, path string, format Format, passwordSource string) *Opened {
	return &Opened{File: event.CertFile{
		Setting:        setting,
		Path:           path,
		Format:         string(format),
		PasswordSource: passwordSource,
		Certificates:   []event.Cert{},
	}}
}

// parse dispatches on what the content is, reporting a difference from
// what the setting expects.
func (o *Opened) parse(data []byte, want Format, password secret.Bytes, probs *problems) {
	s := sniff(data)
	if s.format != "" {
		o.File.Format = string(s.format)
	}
	o.checkFormat(s.format, want, probs)
	switch s.format {
	case JKS:
		o.loadJKS(data, password, probs)
	case JCEKS:
		probs.add(KindUnsupported, "JCEKS keystore; Elasticsearch reads PKCS12 and JKS")
	case PKCS12:
		if s.truncated {
			probs.add(KindTruncated, "PKCS#12 structure declares %d bytes, the file has %d", s.declared, len(data))
			return
		}
		o.loadPKCS12(data, password, probs)
	case PEM:
		o.loadPEM(data, password, probs)
	case DER:
		c, err := x509.ParseCertificate(data)
		if err == nil {
			o.addCert(c, "")
		}
	default:
		if s.truncated {
			probs.add(KindTruncated, "DER structure declares %d bytes, the file has %d", s.declared, len(data))
			return
		}
		probs.add(KindUnrecognized, "%d bytes that are not PEM, PKCS#12 or JKS", len(data))
	}
}

// checkFormat reports content that differs from the expected format.
// The JDK opens a PKCS12 file configured as JKS and vice versa
// ("keystore.type.compat"), so that difference is a note; anything else
// (a keystore where PEM is expected, a DER certificate) is an error.
func (o *Opened) checkFormat(got, want Format, probs *problems) {
	if got == "" || got == want {
		return
	}
	switch {
	case (got == PKCS12 && want == JKS) || (got == JKS && want == PKCS12):
		probs.add(KindFormatMismatch, "content is %s but %s is expected from the file name or type setting; the JDK opens it in keystore compatibility mode, set the type to %s to say so",
			got, want, got)
	case got == DER:
		probs.add(KindFormatMismatch, "DER-encoded certificate, but %s expects %s", o.settingName(), want)
	default:
		probs.add(KindFormatMismatch, "content is %s but %s expects %s", got, o.settingName(), want)
	}
}

func (o *Opened) settingName() string {
	if o.File.Setting == "" {
		return "the setting"
	}
	return o.File.Setting
}

// finish marks chains, renders File.Error and decides the error return.
func (o *Opened) finish(probs *problems) (*Opened, error) {
	markChainsX509(o.File.Certificates, o.Certs)
	o.Problems = probs.list
	o.File.Error = probs.text()
	if len(o.Certs) > 0 || o.key != nil || len(probs.list) == 0 {
		return o, nil
	}
	for _, p := range probs.list {
		if p.Kind != KindFormatMismatch && p.Kind != KindNotChecked {
			return o, p
		}
	}
	return o, probs.list[0]
}
