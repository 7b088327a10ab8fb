package fsx

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRegularFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.mat")
	if err := os.WriteFile(p, []byte("hello"), 0o666); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.mat")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{p, link} {
		if err := CheckRegular(name); err != nil {
			t.Errorf("CheckRegular(%s): %v", name, err)
		}
		b, err := ReadFile(name)
		if err != nil || string(b) != "hello" {
			t.Errorf("ReadFile(%s) = %q, %v", name, b, err)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
}

// TestNotRegular checks that a FIFO, a directory and a device give a clear
// error at once instead of blocking (a FIFO without a writer blocks
// os.Open forever).
func TestNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "sub-01_train.h5")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	cases := []struct{ path, kind string }{
		{fifo, "named pipe (FIFO)"},
		{dir, "directory"},
		{"/dev/null", "device"},
	}
	for _, c := range cases {
		done := make(chan error, 3)
		go func() {
			done <- CheckRegular(c.path)
			_, err := Open(c.path)
			done <- err
			_, err = ReadFile(c.path)
			done <- err
		}()
		for range 3 {
			select {
			case err := <-done:
				if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.kind) {
					t.Errorf("%s: %v, want ErrNotRegular naming the path and %q", c.path, err, c.kind)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: blocked", c.path)
			}
		}
	}
}
