package pfx

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/esdoctor/esdoctor/internal/kdfbudget"
)

// BagType is the kind of a SafeBag.
type BagType int

// The SafeBag kinds this reader distinguishes.
const (
	OtherBag BagType = iota
	CertBag
	KeyBag
	ShroudedKeyBag
)

// Bag is one SafeBag with the attributes Java and OpenSSL use.
type Bag struct {
	Type BagType
	// FriendlyName is the Java alias (PKCS#9 friendlyName).
	FriendlyName string
	LocalKeyID   []byte
	// Trusted is Java's trusted-certificate marker
	// (2.16.840.1.113894.746875.1.1): a TrustedCertificateEntry.
	Trusted bool
	// Cert is the X.509 DER of a certificate bag.
	Cert []byte
	// Key is the PKCS#8 DER of a key bag, or of a shrouded key bag that
	// the password opened. It is key material: callers must not keep or
	// print it.
	Key []byte
	// KeyErr is why a shrouded key bag could not be opened.
	KeyErr error
	// Content is the index of the authenticated-safe item holding the bag.
	Content int
}

// PFX is a parsed PKCS#12 file before decryption.
type PFX struct {
	// HasMAC is false for a file without integrity protection.
	HasMAC bool
	// MACAlgorithm names the MAC digest ("SHA-256", "PBMAC1", an OID).
	MACAlgorithm  string
	MACIterations int
	contents      []contentInfo
	budget        *kdfbudget.Budget
}

// Parse decodes the outer PFX structure and checks every iteration count
// it can see without a password (MAC, encrypted contents). Bags charges its
// key derivations to a fresh per-file budget.
func Parse(der []byte) (*PFX, error) { return ParseBudget(der, kdfbudget.ForFile(nil)) }

// ParseBudget is Parse with the file's work budget given (a child of the
// inspection's budget, say): every key derivation Bags does is charged to
// it, so a file of 200 items of a million iterations each ends with
// ErrLimit after the first few instead of running for minutes.
func ParseBudget(der []byte, b *kdfbudget.Budget) (*PFX, error) {
	var p pfxPDU
	if err := unmarshalAll(der, &p, "PFX"); err != nil {
		return nil, err
	}
	if p.Version != 3 {
		return nil, unsupported(fmt.Sprintf("PFX version %d", p.Version))
	}
	if !p.AuthSafe.ContentType.Equal(oidData) {
		return nil, unsupported("public-key integrity mode (authSafe of type " + p.AuthSafe.ContentType.String() + ")")
	}
	var authSafe []byte
	if err := unmarshalAll(p.AuthSafe.Content.Bytes, &authSafe, "authenticated safe"); err != nil {
		return nil, err
	}
	out := &PFX{budget: b}
	if err := unmarshalAll(authSafe, &out.contents, "authenticated safe contents"); err != nil {
		return nil, err
	}
	if len(out.contents) > MaxBags {
		return nil, fmt.Errorf("%w: %d authenticated-safe items", ErrLimit, len(out.contents))
	}
	if len(p.MacData.Mac.Algorithm.Algorithm) > 0 {
		out.HasMAC = true
		out.MACIterations = p.MacData.Iterations
		out.MACAlgorithm = macName(p.MacData.Mac.Algorithm.Algorithm)
		if p.MacData.Mac.Algorithm.Algorithm.Equal(oidPBMAC1) {
			n, err := pbmac1Iterations(p.MacData.Mac.Algorithm.Parameters.FullBytes)
			if err != nil {
				return nil, err
			}
			out.MACIterations = n
		}
		if err := checkIterations(out.MACIterations, "MAC"); err != nil {
			return nil, err
		}
	}
	for i, ci := range out.contents {
		if !ci.ContentType.Equal(oidEncryptedData) {
			continue
		}
		ed, err := parseEncryptedData(ci)
		if err != nil {
			return nil, fmt.Errorf("content %d: %w", i, err)
		}
		if err := CheckParams(ed.EncryptedContentInfo.ContentEncryptionAlgorithm); err != nil {
			return nil, fmt.Errorf("content %d: %w", i, err)
		}
	}
	return out, nil
}

func macName(oid asn1.ObjectIdentifier) string {
	switch {
	case oid.Equal(oidSHA1):
		return "SHA-1"
	case oid.Equal(oidSHA256):
		return "SHA-256"
	case oid.Equal(oidSHA384):
		return "SHA-384"
	case oid.Equal(oidSHA512):
		return "SHA-512"
	case oid.Equal(oidPBMAC1):
		return "PBMAC1"
	}
	return oid.String()
}

func pbmac1Iterations(params []byte) (int, error) {
	var p pbmac1Params
	if err := unmarshalAll(params, &p, "PBMAC1 parameters"); err != nil {
		return 0, err
	}
	var kp pbkdf2Params
	if err := unmarshalAll(p.KeyDerivationFunc.Parameters.FullBytes, &kp, "PBMAC1 PBKDF2 parameters"); err != nil {
		return 0, err
	}
	return kp.Iterations, nil
}

func parseEncryptedData(ci contentInfo) (encryptedData, error) {
	var ed encryptedData
	if err := unmarshalAll(ci.Content.Bytes, &ed, "EncryptedData"); err != nil {
		return ed, err
	}
	if ed.Version != 0 {
		return ed, unsupported(fmt.Sprintf("EncryptedData version %d", ed.Version))
	}
	return ed, nil
}

// ChargeMAC charges the budget for verifying the MAC with password, the
// work a MAC check (here or in go-pkcs12) costs: one PKCS#12 KDF of the MAC
// key (twice for the empty password, which go-pkcs12 retries as "no
// password"), or PBKDF2 for PBMAC1. A check that go-pkcs12 follows with
// the decryption of a single content (DecodeTrustStore) is charged that
// too. Call it before handing the file to another library.
func (p *PFX) ChargeMAC(password string, thenDecryptSingle bool) error {
	if !p.HasMAC {
		return nil
	}
	n := rounds(p.MACIterations, 64, 20)
	if password == "" {
		n *= 2
	}
	if err := p.budget.Charge(n, fmt.Sprintf("the %s MAC (%d iterations)", p.MACAlgorithm, p.MACIterations)); err != nil {
		return fmt.Errorf("%w: %w", ErrLimit, err)
	}
	if !thenDecryptSingle || len(p.contents) != 1 || !p.contents[0].ContentType.Equal(oidEncryptedData) {
		return nil
	}
	ed, err := parseEncryptedData(p.contents[0])
	if err != nil {
		return nil // go-pkcs12 stops at the same error
	}
	alg := ed.EncryptedContentInfo.ContentEncryptionAlgorithm
	var pp pbeParams
	if unmarshalAll(alg.Parameters.FullBytes, &pp, "PBE parameters") == nil && pp.Iterations > 0 {
		return charge(p.budget, rounds(pp.Iterations, 24, 20)+rounds(pp.Iterations, 8, 20), alg, pp.Iterations)
	}
	var ps pbes2Params
	if unmarshalAll(alg.Parameters.FullBytes, &ps, "PBES2 parameters") == nil {
		var kp pbkdf2Params
		if unmarshalAll(ps.KeyDerivationFunc.Parameters.FullBytes, &kp, "PBKDF2 parameters") == nil && kp.Iterations > 0 {
			return charge(p.budget, rounds(kp.Iterations, 32, 20), alg, kp.Iterations)
		}
	}
	return nil
}

// Encrypted reports, per authenticated-safe item, the encryption scheme
// ("" for plain data).
func (p *PFX) Encrypted() []string {
	out := make([]string, len(p.contents))
	for i, ci := range p.contents {
		if ci.ContentType.Equal(oidEncryptedData) {
			if ed, err := parseEncryptedData(ci); err == nil {
				out[i] = AlgorithmName(ed.EncryptedContentInfo.ContentEncryptionAlgorithm)
			} else {
				out[i] = "?"
			}
		}
	}
	return out
}

// Bags decrypts what it can with password and returns every SafeBag in file
// order. errs holds one error per authenticated-safe item that could not be
// read (ErrDecrypt for a wrong password, ErrUnsupported for RC2, …); the
// bags of the other items are still returned.
func (p *PFX) Bags(password string) (bags []Bag, errs []error) {
	for i, ci := range p.contents {
		var data []byte
		switch {
		case ci.ContentType.Equal(oidData):
			if err := unmarshalAll(ci.Content.Bytes, &data, "data content"); err != nil {
				errs = append(errs, fmt.Errorf("content %d: %w", i, err))
				continue
			}
		case ci.ContentType.Equal(oidEncryptedData):
			ed, err := parseEncryptedData(ci)
			if err != nil {
				errs = append(errs, fmt.Errorf("content %d: %w", i, err))
				continue
			}
			eci := ed.EncryptedContentInfo
			data, err = DecryptBudget(eci.ContentEncryptionAlgorithm, password, eci.EncryptedContent, p.budget)
			if err != nil {
				errs = append(errs, fmt.Errorf("content %d (%s): %w", i, AlgorithmName(eci.ContentEncryptionAlgorithm), err))
				if errors.Is(err, kdfbudget.ErrExhausted) {
					return bags, errs // the rest would be refused too
				}
				continue
			}
		default:
			errs = append(errs, fmt.Errorf("content %d: %w", i, unsupported("content type "+ci.ContentType.String())))
			continue
		}
		var raw []safeBag
		if err := unmarshalAll(data, &raw, "SafeContents"); err != nil {
			if ci.ContentType.Equal(oidEncryptedData) {
				// Valid padding but no SafeContents: a wrong password.
				err = fmt.Errorf("%w (%v)", ErrDecrypt, err)
			}
			errs = append(errs, fmt.Errorf("content %d: %w", i, err))
			continue
		}
		if len(bags)+len(raw) > MaxBags {
			errs = append(errs, fmt.Errorf("%w: more than %d bags", ErrLimit, MaxBags))
			return bags, errs
		}
		for _, sb := range raw {
			b, err := readBag(sb, password, p.budget)
			if err != nil {
				errs = append(errs, fmt.Errorf("content %d: %w", i, err))
				continue
			}
			b.Content = i
			bags = append(bags, b)
			if errors.Is(b.KeyErr, kdfbudget.ErrExhausted) {
				return bags, errs
			}
		}
	}
	return bags, errs
}

func readBag(sb safeBag, password string, budget *kdfbudget.Budget) (Bag, error) {
	var b Bag
	for _, a := range sb.Attributes {
		switch {
		case a.ID.Equal(oidFriendlyName):
			var v asn1.RawValue
			if _, err := asn1.Unmarshal(a.Value.Bytes, &v); err != nil || v.Tag != asn1.TagBMPString {
				return b, malformed("friendlyName", errors.New("not a BMPString"))
			}
			name, err := decodeBMPString(v.Bytes)
			if err != nil {
				return b, malformed("friendlyName", err)
			}
			b.FriendlyName = name
		case a.ID.Equal(oidLocalKeyID):
			var id []byte
			if _, err := asn1.Unmarshal(a.Value.Bytes, &id); err != nil {
				return b, malformed("localKeyId", err)
			}
			b.LocalKeyID = id
		case a.ID.Equal(oidJavaTrustedCert):
			b.Trusted = true
		}
	}
	switch {
	case sb.ID.Equal(oidCertBag):
		b.Type = CertBag
		var cb certBag
		if err := unmarshalAll(sb.Value.Bytes, &cb, "certBag"); err != nil {
			return b, err
		}
		if !cb.ID.Equal(oidX509Certificate) {
			return b, unsupported("certificate type " + cb.ID.String())
		}
		b.Cert = cb.Data
	case sb.ID.Equal(oidKeyBag):
		b.Type = KeyBag
		b.Key = sb.Value.Bytes
	case sb.ID.Equal(oidShroudedKeyBag):
		b.Type = ShroudedKeyBag
		b.Key, b.KeyErr = DecryptPKCS8Budget(sb.Value.Bytes, password, budget)
		if errors.Is(b.KeyErr, ErrUnsupported) && b.Key != nil {
			b.KeyErr = nil // opened; the key type is only unknown to Go
		}
	default:
		b.Type = OtherBag
	}
	return b, nil
}

// SameKeyID reports whether two localKeyId values match.
func SameKeyID(a, b []byte) bool { return len(a) > 0 && bytes.Equal(a, b) }

// algorithm helpers used by Encode.
func algID(oid asn1.ObjectIdentifier) pkix.AlgorithmIdentifier {
	return pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}
}
