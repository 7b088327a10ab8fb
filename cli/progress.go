package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Bar is a one-line progress bar redrawn in place with a carriage return
// on a terminal, one line per 10 % on other writers (logs). A Bar is safe
// for concurrent use.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	start time.Time
	last  int // last percentage drawn
	width int
	open  bool
	tty   bool // redraw in place; otherwise one line per 10 %
}

// NewBar returns a bar that draws on w, prefixed by label. A nil w gives a bar
// that draws nothing.
func NewBar(w io.Writer, label string) *Bar {
	return &Bar{w: w, label: label, start: time.Now(), last: -10, width: 30, tty: isTerminal(w)}
}

// isTerminal reports whether w is a character device (a terminal), where
// the bar is redrawn in place; logs get whole lines instead.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Set draws done out of total with an optional note (e.g. the current job).
// On a terminal the bar is redrawn in place whenever the percentage
// changes; on other writers (logs) a line is written every 10 % and at
// completion.
func (b *Bar) Set(done, total int, note string) {
	if b == nil || b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	pct := 100 * done / max(total, 1)
	if pct == b.last && done != total || !b.tty && pct/10 == b.last/10 && done != total {
		return
	}
	b.last = pct
	n := min(b.width, pct*b.width/100)
	el := time.Since(b.start).Round(100 * time.Millisecond)
	if len(note) > 40 {
		note = "…" + note[len(note)-39:]
	}
	line := fmt.Sprintf("%s [%s%s] %3d%% %d/%d %s", b.label, strings.Repeat("#", n), strings.Repeat(" ", b.width-n), pct, done, total, el)
	if !b.tty {
		fmt.Fprintf(b.w, "%s %s\n", line, note)
		return
	}
	fmt.Fprintf(b.w, "\r%s %-40s", line, note)
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
