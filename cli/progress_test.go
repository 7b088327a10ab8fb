package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestBar(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf, "work")
	b.tty = true
	for i := 0; i <= 10; i++ {
		b.Set(i, 10, "job")
	}
	b.Set(10, 10, "job") // completion is always drawn
	b.Done()
	out := buf.String()
	if !strings.Contains(out, "100% 10/10") || !strings.HasSuffix(out, "\n") || strings.Count(out, "\r") != 12 {
		t.Errorf("bar output %q", out)
	}
	buf.Reset()
	log := NewBar(&buf, "log") // not a terminal: whole lines every 10 %
	for i := 0; i <= 100; i++ {
		log.Set(i, 100, "")
	}
	log.Done()
	if n := strings.Count(buf.String(), "\n"); n != 11 || strings.Contains(buf.String(), "\r") {
		t.Errorf("log output (%d lines) %q", n, buf.String())
	}
	NewBar(nil, "x").Set(1, 2, "") // nil writer draws nothing
	var nb *Bar
	nb.Set(1, 2, "")
	nb.Done()
}
