package reliability

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/brainhierarchy/bhscore/sim"
)

// noPanic runs fn and fails the test if it panics.
func noPanic(t *testing.T, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	fn()
}

// allocDuring returns the bytes allocated on the Go heap while fn runs.
func allocDuring(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// wantErr fails unless err is non-nil and mentions every string of want.
func wantErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

// writeFile writes b to dir/name and returns the path.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Mutations of a valid file's bytes.
func truncated(b []byte) []byte { return bytes.Clone(b[:len(b)/2]) }

// corrupted overwrites the middle third of b (past any header) with a
// pattern, keeping the length.
func corrupted(b []byte) []byte {
	c := bytes.Clone(b)
	for i := len(c) / 3; i < 2*len(c)/3; i++ {
		c[i] = byte(0xA5 ^ i)
	}
	return c
}

// foreign is a PNG signature and some text: no scientific format.
var foreign = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR this is not data; " + strings.Repeat("lorem ipsum ", 60))

var (
	studyOnce sync.Once
	studyDir  string
	study     *sim.Study
	studyErr  error
)

// tinyStudy writes the tiny simulated study (seed 1) once per test binary
// and returns its directory; tests must not modify it.
func tinyStudy(t testing.TB) (string, *sim.Study) {
	t.Helper()
	studyOnce.Do(func() {
		studyDir, studyErr = os.MkdirTemp("", "bhscore-reliability-")
		if studyErr != nil {
			return
		}
		study, studyErr = sim.Generate(context.Background(), studyDir, sim.Tiny, 1, nil)
	})
	if studyErr != nil {
		t.Fatal(studyErr)
	}
	return studyDir, study
}

func TestMain(m *testing.M) {
	if child := os.Getenv(childEnv); child != "" {
		os.Exit(runChild(child))
	}
	code := m.Run()
	if studyDir != "" {
		os.RemoveAll(studyDir)
	}
	os.Exit(code)
}
