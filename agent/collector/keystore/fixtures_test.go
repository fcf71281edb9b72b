package keystore

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// fixture is one case of testdata/fixtures.json (copied from
// shared/fixtures/keystore): a file, a password, and either the expected
// version and names or the expected error kind.
type fixture struct {
	File     string   `json:"file"`
	Origin   string   `json:"origin"`
	Password string   `json:"password"`
	Version  int      `json:"version"`
	Names    []string `json:"names"`
	Error    string   `json:"error"`
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx []fixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx) < 30 {
		t.Fatalf("fixtures.json has %d cases, expected the full set", len(fx))
	}
	return fx
}

// kindSentinels maps the fixture error texts to the sentinels.
var kindSentinels = map[string]error{
	"empty file":                    ErrEmpty,
	"not an elasticsearch keystore": ErrForeign,
	"unsupported format version":    ErrVersion,
	"truncated":                     ErrTruncated,
	"checksum mismatch":             ErrChecksum,
	"corrupted":                     ErrCorrupted,
	"wrong password":                ErrWrongPassword,
}

func TestFixtures(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		name := fx.File
		if fx.Password != "" {
			name += "/" + fx.Password
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", fx.File)
			ks, err := Load(path, secret.FromString(fx.Password))
			if fx.Error != "" {
				checkFixtureError(t, fx, path, ks, err)
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if ks.Version != fx.Version {
				t.Errorf("Version = %d, want %d", ks.Version, fx.Version)
			}
			if ks.HasPassword != (fx.Password != "") {
				t.Errorf("HasPassword = %v with password %q", ks.HasPassword, fx.Password)
			}
			want := fx.Names
			if want == nil {
				want = []string{}
			}
			if got := ks.Names(); !slices.Equal(got, want) {
				t.Errorf("Names = %q, want %q", got, want)
			}
			for _, n := range want {
				if _, ok := ks.Get(n); !ok {
					t.Errorf("Get(%q) missing", n)
				}
			}
			data, _ := os.ReadFile(path)
			v, hp, err := ReadHeader(data, path)
			if err != nil || v != fx.Version || hp != ks.HasPassword {
				t.Errorf("ReadHeader = %d, %v, %v; want %d, %v, nil", v, hp, err, fx.Version, ks.HasPassword)
			}
		})
	}
}

func checkFixtureError(t *testing.T, fx fixture, path string, ks *Keystore, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("Load succeeded (%d entries), want error %q", ks.Len(), fx.Error)
	}
	sentinel, ok := kindSentinels[fx.Error]
	if !ok {
		t.Fatalf("fixtures.json names an unknown kind %q", fx.Error)
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("errors.Is(%v, %q) = false", err, fx.Error)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *keystore.Error", err)
	}
	wantKind := ErrorKind(fx.Error)
	if fx.Error == "wrong password" && fx.Password == "" && e.Kind == KindPasswordRequired {
		wantKind = KindPasswordRequired // the allowed sub-case
	}
	if e.Kind != wantKind {
		t.Errorf("Kind = %q, want %q", e.Kind, wantKind)
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, string(e.Kind)) {
		t.Errorf("error %q does not name the file and the kind", msg)
	}
}

// TestFixtureHeaders checks header facts that stay readable when the
// password is wrong or missing.
func TestFixtureHeaders(t *testing.T) {
	for _, tc := range []struct {
		file        string
		version     int
		hasPassword bool
		err         error
	}{
		{"gen-v7-password.keystore", 7, true, nil},
		{"gen-v6-password.keystore", 6, true, nil},
		{"bad-tampered-crc-fixed.keystore", 6, false, nil},
		{"bad-truncated.keystore", 6, false, nil},
		{"bad-version-8.keystore", 8, false, ErrVersion},
		{"bad-haspassword-byte.keystore", 6, false, ErrCorrupted},
		{"bad-empty.keystore", 0, false, ErrEmpty},
		{"bad-foreign-pkcs12.keystore", 0, false, ErrForeign},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		v, hp, err := ReadHeader(data, tc.file)
		if v != tc.version || hp != tc.hasPassword || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("%s: ReadHeader = %d, %v, %v; want %d, %v, %v", tc.file, v, hp, err, tc.version, tc.hasPassword, tc.err)
		}
	}
}
