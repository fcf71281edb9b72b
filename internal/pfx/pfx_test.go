package pfx

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	gopkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/esdoctor/esdoctor/internal/kdfbudget"
)

func selfSigned(t *testing.T, cn string) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return k, c
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	k, c := selfSigned(t, "one")
	_, c2 := selfSigned(t, "two")
	pk, _ := x509.MarshalPKCS8PrivateKey(k)
	der, err := Encode([]Entry{
		{Alias: "key-entry", Key: pk, Chain: [][]byte{c.Raw}},
		{Alias: "trusted", Chain: [][]byte{c2.Raw}},
	}, "pw", 2048)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasMAC || p.MACAlgorithm != "SHA-256" || p.MACIterations != 2048 {
		t.Errorf("MAC %v %s %d", p.HasMAC, p.MACAlgorithm, p.MACIterations)
	}
	bags, errs := p.Bags("pw")
	if len(errs) != 0 || len(bags) != 3 {
		t.Fatalf("bags %d errs %v", len(bags), errs)
	}
	if bags[0].Type != ShroudedKeyBag || bags[0].FriendlyName != "key-entry" || bags[0].KeyErr != nil {
		t.Errorf("key bag: %+v", bags[0])
	}
	if bags[1].Type != CertBag || bags[1].FriendlyName != "key-entry" || !SameKeyID(bags[1].LocalKeyID, bags[0].LocalKeyID) {
		t.Errorf("leaf bag: %+v", bags[1])
	}
	if bags[2].FriendlyName != "trusted" || !bags[2].Trusted {
		t.Errorf("trusted bag: %+v", bags[2])
	}
	// The MAC (our PKCS#12 KDF + HMAC-SHA-256) verifies in go-pkcs12,
	// which also reads our trusted-certificate attribute.
	if _, _, _, err := gopkcs12.DecodeChain(der, "pw"); err != nil {
		t.Errorf("go-pkcs12 DecodeChain: %v", err)
	}
	if _, _, _, err := gopkcs12.DecodeChain(der, "nope"); !errors.Is(err, gopkcs12.ErrIncorrectPassword) {
		t.Errorf("go-pkcs12 with a wrong password: %v", err)
	}
	_, errs = p.Bags("nope")
	if len(errs) != 1 || !errors.Is(errs[0], ErrDecrypt) {
		t.Errorf("wrong password: %v", errs)
	}
}

// TestReadsGoPKCS12TripleDES checks the PKCS#12 KDF (ids 1 and 2, SHA-1)
// against files go-pkcs12 encrypts with 3DES.
func TestReadsGoPKCS12TripleDES(t *testing.T) {
	k, c := selfSigned(t, "des")
	der, err := gopkcs12.LegacyDES.Encode(k, c, nil, "pässword")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	bags, errs := p.Bags("pässword")
	if len(errs) != 0 || len(bags) != 2 {
		t.Fatalf("bags %d errs %v", len(bags), errs)
	}
	for _, b := range bags {
		if b.Type == ShroudedKeyBag && b.KeyErr != nil {
			t.Errorf("key: %v", b.KeyErr)
		}
	}
	// RC2 certificates (OpenSSL 1.x, Java 8) decrypt too.
	der, err = gopkcs12.LegacyRC2.Encode(k, c, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	p, err = Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	bags, errs = p.Bags("pw")
	if len(errs) != 0 || len(bags) != 2 {
		t.Errorf("RC2: bags %d errs %v", len(bags), errs)
	}
	for _, b := range bags {
		if b.Type == ShroudedKeyBag && b.KeyErr != nil {
			t.Errorf("RC2 file key: %v", b.KeyErr)
		}
	}
	if _, errs = p.Bags("wrong"); len(errs) == 0 || !errors.Is(errs[0], ErrDecrypt) {
		t.Errorf("RC2 wrong password: %v", errs)
	}
}

func TestParseLimits(t *testing.T) {
	authSafe, _ := asn1.Marshal([]contentInfo{})
	octets, _ := asn1.Marshal(authSafe)
	der, err := asn1.Marshal(pfxPDU{
		Version:  3,
		AuthSafe: contentInfo{ContentType: oidData, Content: explicit0(octets)},
		MacData:  macData{Mac: digestInfo{Algorithm: algID(oidSHA256), Digest: make([]byte, 32)}, MacSalt: make([]byte, 8), Iterations: 2_000_000_000},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(der); !errors.Is(err, ErrLimit) {
		t.Errorf("huge MAC iteration count: %v", err)
	}
	if _, err := Parse(der[:len(der)-3]); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated: %v", err)
	}
}

// hostilePFX is a PFX of n encrypted contents, each asking for iterations
// rounds of the PKCS#12 3DES PBE, and a MAC of macIter rounds (0: none).
func hostilePFX(t *testing.T, n, iterations int) []byte {
	t.Helper()
	params, err := asn1.Marshal(pbeParams{Salt: make([]byte, 8), Iterations: iterations})
	if err != nil {
		t.Fatal(err)
	}
	ed, err := asn1.Marshal(encryptedData{EncryptedContentInfo: encryptedContentInfo{
		ContentType:                oidData,
		ContentEncryptionAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidPBEWithSHA3KeyDES, Parameters: asn1.RawValue{FullBytes: params}},
		EncryptedContent:           make([]byte, 64),
	}})
	if err != nil {
		t.Fatal(err)
	}
	items := make([]contentInfo, n)
	for i := range items {
		items[i] = contentInfo{ContentType: oidEncryptedData, Content: explicit0(ed)}
	}
	authSafe, _ := asn1.Marshal(items)
	octets, _ := asn1.Marshal(authSafe)
	der, err := asn1.Marshal(pfxPDU{Version: 3, AuthSafe: contentInfo{ContentType: oidData, Content: explicit0(octets)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestWorkBudgetPerFileAndInspection: 200 contents of a million iterations
// each (each alone within MaxIterations) stop at the file's budget after
// at most two derivations; a second file stops at the inspection's.
func TestWorkBudgetPerFileAndInspection(t *testing.T) {
	der := hostilePFX(t, 200, MaxIterations)
	insp := kdfbudget.New("one inspection", 5_000_000, nil)
	start := time.Now()
	p, err := ParseBudget(der, kdfbudget.ForFile(insp))
	if err != nil {
		t.Fatal(err)
	}
	_, errs := p.Bags("pw")
	last := errs[len(errs)-1]
	if !errors.Is(last, ErrLimit) || !errors.Is(last, kdfbudget.ErrExhausted) ||
		!strings.Contains(last.Error(), "allowed for one file") || !strings.Contains(last.Error(), "1000000 iterations") {
		t.Fatalf("last error: %v", last)
	}
	if len(errs) > 3 {
		t.Errorf("%d errors: the budget should stop at the first refusal", len(errs))
	}
	if used := insp.Used(); used > kdfbudget.PerFile {
		t.Errorf("file used %d rounds, cap %d", used, kdfbudget.PerFile)
	}
	p, _ = ParseBudget(der, kdfbudget.ForFile(insp))
	_, errs = p.Bags("pw")
	if last := errs[len(errs)-1]; !strings.Contains(last.Error(), "allowed for one inspection") {
		t.Errorf("second file: %v", last)
	}
	t.Logf("two hostile files: %v", time.Since(start))
	if _, err := DecryptPKCS8Budget([]byte{0x30, 0}, "pw", insp); err == nil {
		t.Error("empty EncryptedPrivateKeyInfo accepted")
	}
}
