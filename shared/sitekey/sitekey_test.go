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
