package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDeferSync checks which paths a registered root covers, that
// registrations count, and that writes under a deferred root stay atomic.
func TestDeferSync(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "job")
	covered := []string{root, filepath.Join(root, "a"), filepath.Join(root, "a", "b.mat")}
	outside := []string{dir, root + "x", filepath.Join(dir, "other", "b.mat")}
	check := func(when string, want bool) {
		t.Helper()
		for _, p := range covered {
			if got := syncDeferred(p); got != want {
				t.Errorf("%s: syncDeferred(%s) = %v, want %v", when, p, got, want)
			}
		}
		for _, p := range outside {
			if syncDeferred(p) {
				t.Errorf("%s: syncDeferred(%s) = true outside the root", when, p)
			}
		}
	}
	check("before", false)
	r1, err := DeferSync(root)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := DeferSync(root + string(filepath.Separator)) // same root, spelt differently
	if err != nil {
		t.Fatal(err)
	}
	check("registered twice", true)

	// Writers skip their syncs but still publish atomically.
	out := filepath.Join(root, "a", "b.mat")
	if err := WriteBytes(out, []byte("data")); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(root, "c"), func(tmp string) error { return os.WriteFile(tmp, []byte("c"), 0o644) }); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "data" {
		t.Errorf("read back %q, %v", b, err)
	}
	for _, d := range []string{root, filepath.Join(root, "a")} {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if IsTemp(e.Name()) {
				t.Errorf("temporary file %s left in %s", e.Name(), d)
			}
		}
		if err := Sync(d); err != nil {
			t.Error(err)
		}
	}

	r1()
	r1() // a second call is a no-op, not a second release
	check("one registration left", true)
	r2()
	check("released", false)
	if err := Sync(filepath.Join(dir, "missing")); err == nil {
		t.Error("Sync of a missing file: no error")
	}
}
