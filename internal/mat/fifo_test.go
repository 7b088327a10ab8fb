package mat

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// TestReadFIFO checks that a named pipe in place of a feature .mat file is
// an error naming it, not a read that blocks forever.
func TestReadFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "n01518878_10042.mat")
	if err := syscall.Mkfifo(p, 0o666); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Read(p, "feat")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, fsx.ErrNotRegular) || !strings.Contains(err.Error(), p) {
			t.Errorf("Read(FIFO) = %v, want fsx.ErrNotRegular naming the path", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read(FIFO) blocked")
	}
}
