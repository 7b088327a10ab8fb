package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "out.mat")
	var seen string
	err := Write(path, func(tmp string) error {
		seen = tmp
		if filepath.Dir(tmp) != filepath.Dir(path) {
			t.Errorf("temp %s not in %s", tmp, filepath.Dir(path))
		}
		if !IsTemp(tmp) {
			t.Errorf("IsTemp(%q) = false", tmp)
		}
		return os.WriteFile(tmp, []byte("data"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "data" {
		t.Fatalf("got %q, %v", b, err)
	}
	if _, err := os.Stat(seen); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp %s still exists", seen)
	}
	if got := listDir(t, filepath.Dir(path)); len(got) != 1 || got[0] != "out.mat" {
		t.Errorf("directory holds %v", got)
	}
}

func TestWriteErrorLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.mat")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(tmp string) error {
		os.WriteFile(tmp, []byte("half"), 0o644)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if got := listDir(t, dir); len(got) != 1 || got[0] != "out.mat" {
		t.Errorf("directory holds %v", got)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("old content replaced by %q", b)
	}
	// A writer that does not create the file is an error, too.
	if err := Write(filepath.Join(dir, "none"), func(string) error { return nil }); err == nil {
		t.Error("Write with no file created: no error")
	}
	if got := listDir(t, dir); len(got) != 1 {
		t.Errorf("directory holds %v", got)
	}
}

func TestCreateCommitAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b.bin")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("streamed"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("final name visible before Commit")
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil { // no-op after Commit
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "streamed" {
		t.Fatalf("got %q", b)
	}
	if err := f.Commit(); err == nil {
		t.Error("second Commit: no error")
	}

	g, err := Create(filepath.Join(dir, "a", "c.bin"))
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString("partial")
	if err := g.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, filepath.Join(dir, "a")); len(got) != 1 || got[0] != "b.bin" {
		t.Errorf("directory holds %v", got)
	}
}

func TestWriteBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x", "y.txt")
	for _, s := range []string{"one", "two, longer"} {
		if err := WriteBytes(path, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != s {
			t.Fatalf("got %q, want %q", b, s)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o044 == 0 && umaskAllowsRead() {
		t.Errorf("mode %v: outputs should be readable by others, like os.Create", info.Mode())
	}
}

func umaskAllowsRead() bool {
	p := filepath.Join(os.TempDir(), "umask-probe-"+time.Now().Format("150405.000000000"))
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o666)
	if err != nil {
		return false
	}
	f.Close()
	defer os.Remove(p)
	info, err := os.Stat(p)
	return err == nil && info.Mode().Perm()&0o044 != 0
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		TempName("out/W.mat"):              true,
		".W.mat.tmp-123-0af9":              true,
		"/x/y/.b.h5.tmp-1-ff":              true,
		"W.mat":                            false,
		".done":                            false,
		".W.mat.tmp-":                      false,
		".W.mat.tmp-12x-ff":                false,
		".W.mat.tmp-12-":                   false,
		".W.mat.tmp-12-XYZ":                false,
		"W.mat.tmp-1-ff":                   false, // no leading dot: could be a real output
		"..tmp-1-ff":                       false,
		".stimulus.tmp-names.are.fine.mat": false,
	} {
		if got := IsTemp(name); got != want {
			t.Errorf("IsTemp(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSafeJoin(t *testing.T) {
	root := "/out"
	good := [][]string{{"a"}, {"n01443537_22563.JPEG"}, {"sub-01", "V1", "..."}, {".hidden"}, {"a..b"}, {}}
	for _, elems := range good {
		p, err := SafeJoin(root, elems...)
		if err != nil {
			t.Errorf("SafeJoin(%q): %v", elems, err)
			continue
		}
		if p != root && !strings.HasPrefix(p, root+"/") {
			t.Errorf("SafeJoin(%q) = %q escapes %s", elems, p, root)
		}
	}
	bad := [][]string{{""}, {"."}, {".."}, {"a", ".."}, {"a/b"}, {"../etc"}, {"/etc/passwd"}, {`a\b`}, {"a\x00b"}, {"ok", ""}}
	for _, elems := range bad {
		if p, err := SafeJoin(root, elems...); !errors.Is(err, ErrUnsafeName) {
			t.Errorf("SafeJoin(%q) = %q, %v; want ErrUnsafeName", elems, p, err)
		}
	}
}

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	old := TempName(filepath.Join(dir, "a.mat"))
	fresh := TempName(filepath.Join(dir, "b.mat"))
	for _, p := range []string{old, fresh, filepath.Join(dir, "c.mat")} {
		os.WriteFile(p, nil, 0o644)
	}
	past := time.Now().Add(-time.Hour)
	os.Chtimes(old, past, past)
	n, err := RemoveTemps(dir, time.Minute)
	if err != nil || n != 1 {
		t.Fatalf("RemoveTemps = %d, %v; want 1", n, err)
	}
	if got := listDir(t, dir); len(got) != 2 {
		t.Errorf("directory holds %v", got)
	}
	if n, err := RemoveTemps(filepath.Join(dir, "missing"), 0); n != 0 || err != nil {
		t.Errorf("missing dir: %d, %v", n, err)
	}
}

func TestRemoveTempsOf(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.done")
	keep := []string{"a.done", "b.done", filepath.Base(TempName(filepath.Join(dir, "b.done")))}
	for _, n := range append(keep, filepath.Base(TempName(path)), filepath.Base(TempName(path))) {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveTempsOf(path); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if len(got) != len(keep) {
		t.Errorf("left %v, want only %v", got, keep)
	}
	if err := RemoveTempsOf(filepath.Join(dir, "missing", "x")); err != nil {
		t.Errorf("missing dir: %v", err)
	}
}
