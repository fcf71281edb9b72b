package certs

import (
	"bytes"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/esdoctor/esdoctor/internal/pfx"
	"github.com/esdoctor/esdoctor/shared/secret"
)

func fixtureBytes(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "node", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMalformed: hostile and broken inputs each produce a clear problem
// naming the file and the cause, never a panic.
func TestMalformed(t *testing.T) {
	const ks = "xpack.security.transport.ssl.keystore.path"
	const key = "xpack.security.transport.ssl.key"
	const cert = "xpack.security.transport.ssl.certificate"
	p12 := fixtureBytes(t, "certs/transport.p12")
	jks := fixtureBytes(t, "certs/keystore.jks")
	crtPEM := fixtureBytes(t, "pem/node.crt")
	caPEM := fixtureBytes(t, "pem/ca.crt")
	blk, _ := pem.Decode(crtPEM)
	randomBytes := make([]byte, 4096)
	if _, err := rand.Read(randomBytes); err != nil {
		t.Fatal(err)
	}
	randomBytes[0] = 0x42 // not 0x30, 0xfe, 0xce: not a DER/JKS prefix by chance

	type tc struct {
		name     string
		file     string                       // name inside the temp dir
		data     []byte                       // file content
		prepare  func(t *testing.T, p string) // instead of data
		setting  string
		password string
		// want are substrings of File.Error (which starts with the path).
		want []string
		// wantErr: Load returns an error wrapping this kind.
		wantErr error
		skip    func() string
	}
	cases := []tc{
		{name: "empty", file: "empty.crt", data: []byte{}, setting: cert,
			want: []string{"empty file"}, wantErr: ErrEmpty},
		{name: "random bytes", file: "random.p12", data: randomBytes, setting: ks,
			want: []string{"unrecognized content", "not PEM, PKCS#12 or JKS"}, wantErr: ErrUnrecognized},
		{name: "huge", file: "huge.p12", setting: ks,
			prepare: func(t *testing.T, p string) {
				f, err := os.Create(p)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := f.Truncate(MaxFileSize + 1); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"file too large", "16777217 bytes"}, wantErr: ErrTooLarge},
		{name: "truncated PKCS#12", file: "half.p12", data: p12[:len(p12)/2], setting: ks, password: pwTransport,
			want: []string{"truncated", "declares"}, wantErr: ErrMalformed},
		{name: "truncated DER certificate", file: "half.der", data: blk.Bytes[:len(blk.Bytes)/2], setting: cert,
			want: []string{"truncated"}, wantErr: ErrMalformed},
		{name: "truncated JKS", file: "half.jks", data: jks[:len(jks)/2], setting: ks, password: pwKeyJKS,
			want: []string{"truncated", "runs past the end of the file"}, wantErr: ErrMalformed},
		{name: "JKS with a 4 GiB length", file: "hostile.jks", data: hostileJKS(), setting: ks, password: "CANARY-SECRET-hostile",
			want: []string{"truncated", "4294967295 bytes"}, wantErr: ErrMalformed},
		{name: "JCEKS", file: "store.jceks", data: append([]byte{0xce, 0xce, 0xce, 0xce}, make([]byte, 60)...), setting: ks,
			want: []string{"unsupported", "JCEKS"}, wantErr: ErrUnsupported},
		{name: "PEM with binary garbage between blocks", file: "garbage.pem",
			data: bytes.Join([][]byte{crtPEM, {0x00, 0x01, 0xff, 0xfe}, caPEM}, nil), setting: cert,
			want: []string{"malformed", "binary data outside PEM blocks"}},
		{name: "PEM block without END", file: "noend.pem",
			data: bytes.Join([][]byte{crtPEM, caPEM[:len(caPEM)-30]}, nil), setting: cert,
			want: []string{"truncated", "PEM block 2 (CERTIFICATE)", "no END line"}},
		{name: "PEM with bad base64", file: "b64.pem",
			data: []byte("-----BEGIN CERTIFICATE-----\nMIIB!!!notbase64***\n-----END CERTIFICATE-----\n"), setting: cert,
			want: []string{"malformed", "bad base64"}, wantErr: ErrMalformed},
		{name: "PEM with a truncated certificate", file: "shortder.pem",
			data: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: blk.Bytes[:100]}), setting: cert,
			want: []string{"malformed", "PEM block 1 (CERTIFICATE)"}, wantErr: ErrMalformed},
		{name: "text without PEM", file: "notes.txt", data: []byte("just some text\n"), setting: cert,
			want: []string{"unrecognized content"}, wantErr: ErrUnrecognized},
		{name: "directory", file: "adir", setting: cert,
			prepare: func(t *testing.T, p string) { mustNil(t, os.Mkdir(p, 0o755)) },
			want:    []string{"not a regular file", "is a directory"}, wantErr: ErrNotRegular},
		{name: "symlink loop", file: "loop.crt", setting: cert,
			prepare: func(t *testing.T, p string) {
				mustNil(t, os.Symlink(p+".b", p))
				mustNil(t, os.Symlink(p, p+".b"))
			},
			want: []string{"cannot read", "too many levels of symbolic links"}, wantErr: ErrUnreadable},
		{name: "named pipe", file: "fifo.crt", setting: cert,
			prepare: func(t *testing.T, p string) { mustNil(t, syscall.Mkfifo(p, 0o644)) },
			want:    []string{"not a regular file", "named pipe"}, wantErr: ErrNotRegular},
		{name: "missing", file: "missing.crt", setting: cert, prepare: func(*testing.T, string) {},
			want: []string{"cannot read", "no such file or directory"}, wantErr: ErrUnreadable},
		{name: "unreadable", file: "secret.key", data: crtPEM, setting: cert,
			prepare: func(t *testing.T, p string) {
				mustNil(t, os.WriteFile(p, crtPEM, 0o000))
			},
			skip: func() string {
				if os.Geteuid() == 0 {
					return "root reads files regardless of permissions"
				}
				return ""
			},
			want: []string{"cannot read", "permission denied"}, wantErr: ErrUnreadable},
		{name: "PKCS#12 wrong password", file: "transport.p12", data: p12, setting: ks, password: "CANARY-SECRET-wrong",
			want: []string{"wrong password", "does not open this PKCS#12 file"}, wantErr: ErrWrongPassword},
		{name: "PKCS#12 no password", file: "nopw.p12", data: p12, setting: ks,
			want: []string{"password required", "no password is configured"}, wantErr: ErrWrongPassword},
		{name: "JKS wrong password", file: "keystore.jks", data: jks, setting: ks, password: "CANARY-SECRET-wrong",
			want: []string{"wrong password", "does not open this JKS file"}},
		{name: "encrypted PKCS#8 wrong passphrase", file: "node-enc.key", data: fixtureBytes(t, "pem/node-enc.key"), setting: key,
			password: "CANARY-SECRET-wrong", want: []string{"wrong password", "encrypted PKCS#8, PBES2/AES-256-CBC"}, wantErr: ErrWrongPassword},
		{name: "encrypted PKCS#8 no passphrase", file: "node-enc2.key", data: fixtureBytes(t, "pem/node-enc.key"), setting: key,
			want: []string{"password required", "no passphrase is configured"}, wantErr: ErrWrongPassword},
		{name: "legacy encrypted key wrong passphrase", file: "node-legacy.key", data: fixtureBytes(t, "pem/node-legacy.key"), setting: key,
			password: "CANARY-SECRET-wrong", want: []string{"wrong password", "RSA PRIVATE KEY"}, wantErr: ErrWrongPassword},
		{name: "encrypted key with a hostile iteration count", file: "slow.key", data: slowKeyPEM(t), setting: key, password: "CANARY-SECRET-slow",
			want: []string{"limit exceeded", "iteration count 2000000000"}},
		{name: "PKCS#12 named .jks", file: "transport.jks", data: p12, setting: ks, password: pwTransport,
			want: []string{"format mismatch", "content is PKCS12 but JKS is expected"}},
		{name: "JKS named .p12", file: "keystore.p12", data: jks, setting: ks, password: pwKeyJKS,
			want: []string{"format mismatch", "content is JKS but PKCS12 is expected"}},
		{name: "keystore where PEM is expected", file: "node.crt", data: p12, setting: cert,
			want: []string{"format mismatch", "content is PKCS12 but " + cert + " expects PEM"}},
		{name: "DER certificate where PEM is expected", file: "node.der", data: blk.Bytes, setting: cert,
			want: []string{"format mismatch", "DER-encoded certificate"}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.skip != nil {
				if why := c.skip(); why != "" {
					t.Skip(why)
				}
			}
			if c.file == "fifo.crt" && runtime.GOOS == "windows" {
				t.Skip("no FIFOs")
			}
			path := filepath.Join(dir, c.file)
			switch {
			case c.prepare != nil:
				c.prepare(t, path)
			default:
				mustNil(t, os.WriteFile(path, c.data, 0o644))
			}
			src := ""
			if c.password != "" {
				src = "xpack.security.transport.ssl.keystore.secure_password"
			}
			o, err := Load(c.setting, path, InferFormat(c.setting, path, ""), secret.FromString(c.password), src)
			if o == nil {
				t.Fatal("Load returned no *Opened")
			}
			msg := o.File.Error
			if !strings.HasPrefix(msg, path+": ") {
				t.Errorf("File.Error does not start with the path:\n%s", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("File.Error lacks %q:\n%s", w, msg)
				}
			}
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Errorf("err = %v, want %v", err, c.wantErr)
				}
				if err != nil && !strings.Contains(err.Error(), path) {
					t.Errorf("error does not name the file: %v", err)
				}
			}
			if len(o.Problems) == 0 {
				t.Error("no Problems")
			}
			if c.password != "" && strings.Contains(msg, c.password) {
				t.Errorf("password in File.Error: %s", msg)
			}
		})
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// hostileJKS declares a 4 GiB private key.
func hostileJKS() []byte {
	b := []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0}
	return append(b, 0xff, 0xff, 0xff, 0xff, 1, 2, 3)
}

// slowKeyPEM is an encrypted PKCS#8 key asking for 2e9 PBKDF2 iterations
// (hours of CPU if obeyed).
func slowKeyPEM(t *testing.T) []byte {
	t.Helper()
	type pbkdf2Params struct {
		Salt       []byte
		Iterations int
	}
	type pbes2Params struct {
		KDF    pkix.AlgorithmIdentifier
		Scheme pkix.AlgorithmIdentifier
	}
	kdf, err := asn1.Marshal(pbkdf2Params{Salt: make([]byte, 16), Iterations: 2_000_000_000})
	mustNil(t, err)
	iv, err := asn1.Marshal(make([]byte, 16))
	mustNil(t, err)
	params, err := asn1.Marshal(pbes2Params{
		KDF:    pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}, Parameters: asn1.RawValue{FullBytes: kdf}},
		Scheme: pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}, Parameters: asn1.RawValue{FullBytes: iv}},
	})
	mustNil(t, err)
	der, err := asn1.Marshal(pfx.EncryptedPrivateKeyInfo{
		Algorithm:     pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}, Parameters: asn1.RawValue{FullBytes: params}},
		EncryptedData: make([]byte, 32),
	})
	mustNil(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der})
}
