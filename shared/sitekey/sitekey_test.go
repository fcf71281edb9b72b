package sitekey

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", FileName)
	k1, created, err := LoadOrCreate(path)
	if err != nil || !created || len(k1) != 64 {
		t.Fatalf("first: %q %v %v", k1, created, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	k2, created, err := LoadOrCreate(path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second: %q %v %v", k2, created, err)
	}
	short := filepath.Join(t.TempDir(), "short")
	os.WriteFile(short, []byte("abc\n"), 0o600)
	if _, err := Load(short); err == nil || !strings.Contains(err.Error(), "short") || !strings.Contains(err.Error(), "shorter than 8") {
		t.Errorf("short key: %v", err)
	}
	if _, _, err := LoadOrCreate(short); err == nil {
		t.Error("LoadOrCreate replaced an invalid key file")
	}
}

func TestEncodeDecode(t *testing.T) {
	k, _ := Generate()
	got, err := Decode(Encode(k) + "\n")
	if err != nil || !bytes.Equal(got, k) {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := Decode(string(k)); err == nil {
		t.Error("accepted a key without its prefix")
	}
}

// TestServeFetch: the aggregator's key reaches an agent over real NATS.
func TestServeFetch(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	srv, _ := natstest.Connect(t, url)
	cli, _ := natstest.Connect(t, url)
	k, _ := Generate()
	sub, err := Serve(srv, k)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	srv.Flush()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := Fetch(ctx, cli, "prod.eu", "node 1")
	if err != nil || !bytes.Equal(got, k) {
		t.Fatalf("Fetch: %q %v", got, err)
	}
	sub.Unsubscribe()
	srv.Flush()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if _, err := Fetch(ctx2, cli, "c", "n"); err == nil {
		t.Error("Fetch without a server answered")
	}
}

// credsFile is a NATS user credentials file as jwt.FormatUserConfig
// writes it (the JWT and seed are dummies: only the layout matters here).
const credsFile = `-----BEGIN NATS USER JWT-----
eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.x
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.
NKEYs are sensitive and should be treated as secrets.

-----BEGIN USER NKEY SEED-----
SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4
------END USER NKEY SEED------

*************************************************************
`

func TestBlockRoundTrip(t *testing.T) {
	k, _ := Generate()
	b := AppendBlock([]byte(credsFile), k)
	if !bytes.HasPrefix(b, []byte(credsFile)) {
		t.Error("the credentials were changed")
	}
	got, ok, err := FromBlock(b)
	if err != nil || !ok || !bytes.Equal(got, k) {
		t.Fatalf("FromBlock: %q %v %v", got, ok, err)
	}
	if _, ok, err := FromBlock([]byte(credsFile)); ok || err != nil {
		t.Errorf("plain credentials: ok %v err %v", ok, err)
	}
	p := filepath.Join(t.TempDir(), "agent.creds")
	os.WriteFile(p, b, 0o600)
	if got, ok, err := FromCredsFile(p); err != nil || !ok || !bytes.Equal(got, k) {
		t.Errorf("FromCredsFile: %q %v %v", got, ok, err)
	}
}

// Malformed site-key blocks give an error naming the file and the cause.
func TestFromCredsFileMalformed(t *testing.T) {
	dir := t.TempDir()
	good := string(AppendBlock([]byte(credsFile), []byte("0123456789abcdef0123456789abcdef")))
	for _, tc := range []struct{ name, content, want string }{
		{"unterminated", credsFile + blockBegin + "\n0123456789abcdef\n", "not terminated"},
		{"short", credsFile + blockBegin + "\nabc\n" + blockEnd + "\n", "shorter than 8"},
		{"blank", credsFile + blockBegin + "\n\n" + blockEnd + "\n", "shorter than 8"},
		{"spaces", credsFile + blockBegin + "\nabcd efgh ijkl\n" + blockEnd + "\n", "white space"},
		{"twice", good + good[len(credsFile):], "more than one"},
	} {
		p := filepath.Join(dir, tc.name+".creds")
		if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := FromCredsFile(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want the file and %q", tc.name, err, tc.want)
		}
	}
	if _, _, err := FromCredsFile(filepath.Join(dir, "missing.creds")); err == nil || !strings.Contains(err.Error(), "missing.creds") {
		t.Errorf("missing file: %v", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "a-dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, _, err := FromCredsFile(filepath.Join(dir, "a-dir")); err == nil || !strings.Contains(err.Error(), "a-dir") {
		t.Errorf("directory: %v", err)
	}
}

func FuzzFromBlock(f *testing.F) {
	f.Add(AppendBlock([]byte(credsFile), []byte("0123456789abcdef")))
	f.Add([]byte(credsFile))
	f.Add([]byte(blockBegin + "\n" + blockEnd))
	f.Add([]byte(blockBegin + blockBegin + "\nkey-key-key\n" + blockEnd + blockEnd))
	f.Fuzz(func(t *testing.T, b []byte) {
		key, ok, err := FromBlock(b)
		if err == nil && ok {
			if Validate(key) != nil {
				t.Fatalf("an invalid key was accepted: %q", key)
			}
			again, ok2, err2 := FromBlock(AppendBlock(nil, key))
			if err2 != nil || !ok2 || !bytes.Equal(again, key) {
				t.Fatalf("round trip of %q: %q %v %v", key, again, ok2, err2)
			}
		}
		if !ok && (err != nil || key != nil) {
			t.Fatalf("no block but key %q err %v", key, err)
		}
	})
}
