package certs

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/esdoctor/esdoctor/internal/kdfbudget"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Opened is a loaded file: the report plus the parsed certificates (for the
// aggregator and the probes to build trust).
type Opened struct {
	File event.CertFile
	// Certs are the parsed certificates in file order; Certs[i] is
	// described by File.Certificates[i].
	Certs []*x509.Certificate
	// Problems are the problems found, in order; File.Error is their text.
	Problems []*Error

	key      crypto.Signer       // the private key TLSCertificate presents
	keyChain []*x509.Certificate // the chain stored with that key, if any

	budget *kdfbudget.Budget // key-derivation work left for this file
}

// PrivateKey returns the private key the password opened (an end-entity
// key in preference to a CA key), or nil.
// It stays in this process: it is not part of File and is never marshaled.
func (o *Opened) PrivateKey() crypto.Signer { return o.key }

// TLSCertificate pairs the private key with its certificate chain (the
// chain stored with the key in a keystore, else the certificates of this
// file whose first matches the key), for probes that must present a client
// certificate.
func (o *Opened) TLSCertificate() (tls.Certificate, error) {
	if o.key == nil {
		return tls.Certificate{}, fmt.Errorf("certs %s: no private key", o.File.Path)
	}
	chain := o.keyChain
	if len(chain) == 0 {
		chain = o.Certs
	}
	return KeyPair(chain, o.key)
}

// KeyPair builds a tls.Certificate from a chain (leaf first; the leaf is
// found by its public key when it is not first) and a private key, as the
// ssl.certificate + ssl.key pair of a PEM configuration does.
func KeyPair(chain []*x509.Certificate, key crypto.Signer) (tls.Certificate, error) {
	if key == nil {
		return tls.Certificate{}, errors.New("no private key")
	}
	for i, c := range chain {
		if !samePublicKey(c.PublicKey, key.Public()) {
			continue
		}
		out := tls.Certificate{PrivateKey: key, Leaf: c}
		out.Certificate = append(out.Certificate, c.Raw)
		for j, o := range chain {
			if j != i {
				out.Certificate = append(out.Certificate, o.Raw)
			}
		}
		return out, nil
	}
	return tls.Certificate{}, errors.New("no certificate matches the private key")
}

func samePublicKey(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if e, ok := a.(equaler); ok {
		return e.Equal(b)
	}
	return false
}

// addCert appends a parsed certificate with its alias.
func (o *Opened) addCert(c *x509.Certificate, alias string) {
	for i, have := range o.Certs {
		if bytes.Equal(have.Raw, c.Raw) && o.File.Certificates[i].Alias == alias {
			return
		}
	}
	d := Describe(c)
	d.Alias = alias
	o.Certs = append(o.Certs, c)
	o.File.Certificates = append(o.File.Certificates, d)
}

// setKey keeps an opened private key and the chain stored with it: the
// first one, unless a later key belongs to an end-entity certificate and
// the kept one to a CA (auto-configured http.p12 stores "http_ca" before
// "http"; the server presents "http").
func (o *Opened) setKey(k any, chain []*x509.Certificate) {
	o.File.HasPrivateKey = true
	s, ok := k.(crypto.Signer)
	if !ok {
		return
	}
	isCA := func(chain []*x509.Certificate) bool { return len(chain) > 0 && chain[0].IsCA }
	if o.key == nil || (isCA(o.keyChain) && len(chain) > 0 && !isCA(chain)) {
		o.key, o.keyChain = s, chain
	}
}

func (o *Opened) setPasswordOK(ok bool) {
	v := ok
	o.File.PasswordOK = &v
}
