package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadRefusesHostileInputs: every hostile kind gives a clear error at
// once, never a hang and never more than the cap in memory.
func TestReadRefusesHostileInputs(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge")
	if err := os.WriteFile(huge, make([]byte, 5000), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "ok")
	os.WriteFile(ok, []byte("pw\n"), 0o600)
	linkZero := filepath.Join(dir, "zero-link")
	os.Symlink("/dev/zero", linkZero)
	linkFifo := filepath.Join(dir, "fifo-link")
	os.Symlink(fifo, linkFifo)
	loop := filepath.Join(dir, "loop")
	os.Symlink(loop, loop)
	for _, tc := range []struct {
		name, path string
		want       error
		text       string
	}{
		{"fifo", fifo, ErrNotRegular, "named pipe"},
		{"dev zero", "/dev/zero", ErrNotRegular, "character device"},
		{"huge", huge, ErrTooLarge, "5000 bytes, over the 4096-byte limit"},
		{"directory", dir, ErrNotRegular, "directory"},
		{"link to dev zero", linkZero, ErrNotRegular, "character device"},
		{"link to fifo", linkFifo, ErrNotRegular, "named pipe"},
		{"symlink loop", loop, nil, "too many levels of symbolic links"},
		{"missing", filepath.Join(dir, "nope"), os.ErrNotExist, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := ReadFile(tc.path, 4096)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err %q does not say %q", err, tc.text)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestSymlinkSwap: a regular file is checked, then the link is pointed at a
// FIFO before the open. The open must not block and must refuse.
func TestSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	syscall.Mkfifo(fifo, 0o600)
	regular := filepath.Join(dir, "regular")
	os.WriteFile(regular, []byte("x"), 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(regular, link)
	for _, target := range []string{fifo, "/dev/zero"} {
		os.Remove(link)
		os.Symlink(regular, link)
		beforeOpen = func(string) {
			os.Remove(link)
			os.Symlink(target, link)
		}
		done := make(chan error, 1)
		go func() { _, err := ReadFile(link, 4096); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) {
				t.Errorf("swap to %s: err %v, want not a regular file", target, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("swap to %s: hung", target)
		}
	}
	beforeOpen = nil
}

// TestReadDeadline: a read that never finishes (a pipe without a writer
// stands in for a stuck network file system) ends at the deadline.
func TestReadDeadline(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	start := time.Now()
	_, err = ReadAll(r, 100, 200*time.Millisecond)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
}

func TestReadLine(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ in, want, err string }{
		{"secret\r\nsecond\n", "secret", ""},
		{"secret", "secret", ""},
		{"", "", "is empty"},
		{"\nx", "", "empty first line"},
	} {
		p := filepath.Join(dir, "f")
		os.WriteFile(p, []byte(tc.in), 0o600)
		got, err := ReadLine(p)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%q: got %q, %v", tc.in, got, err)
		}
	}
}

// TestWriteNeverFollowsLinks: a link planted at the target or at any
// temporary name is replaced, never written through.
func TestWriteNeverFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("keep"), 0o600)
	target := filepath.Join(dir, "bundle.json.gz")
	os.Symlink(victim, target)
	os.Symlink(victim, target+".tmp")
	if err := WriteFile(target, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Fatalf("victim overwritten: %q", b)
	}
	fi, err := os.Lstat(target)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("target %v %v", fi, err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Fatalf("target %q", b)
	}
	if _, err := CreateExclusive(target+".tmp", 0o600); err == nil {
		t.Fatal("CreateExclusive followed a link")
	}
}
