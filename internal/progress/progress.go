// Package progress draws one-line terminal progress bars for the example
// binaries. Libraries report progress through callbacks; the binaries turn
// those callbacks into a Bar.
//
// A Bar is safe for concurrent use.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Bar is a one-line progress bar redrawn in place with a carriage return.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	start time.Time
	last  int // last percentage drawn
	width int
	open  bool
}

// New returns a bar that draws on w, prefixed by label. A nil w gives a bar
// that draws nothing.
func New(w io.Writer, label string) *Bar {
	return &Bar{w: w, label: label, start: time.Now(), last: -1, width: 30}
}

// Set draws done out of total with an optional note (e.g. the current job).
// Redraws happen when the percentage changes, the note changes at most
// every 100 ms, or the bar completes.
func (b *Bar) Set(done, total int, note string) {
	if b == nil || b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	pct := 100 * done / max(total, 1)
	if pct == b.last && done != total {
		return
	}
	b.last = pct
	n := min(b.width, pct*b.width/100)
	el := time.Since(b.start).Round(100 * time.Millisecond)
	if len(note) > 40 {
		note = "…" + note[len(note)-39:]
	}
	fmt.Fprintf(b.w, "\r%s [%s%s] %3d%% %d/%d %s %-40s", b.label, strings.Repeat("#", n), strings.Repeat(" ", b.width-n), pct, done, total, el, note)
	b.open = true
}

// Done ends the bar's line.
func (b *Bar) Done() {
	if b == nil || b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.open {
		fmt.Fprintln(b.w)
		b.open = false
	}
}
