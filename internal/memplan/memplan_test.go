package memplan

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	const machine = Bytes(16 << 30)
	for _, c := range []struct {
		in   string
		want Bytes
	}{
		{"", 12 << 30}, // DefaultFraction of 16 GiB
		{"8G", 8 << 30},
		{"8g", 8 << 30},
		{"8GB", 8 << 30},
		{"8GiB", 8 << 30},
		{" 512 MiB ", 512 << 20},
		{"1.5G", 3 << 29},
		{"3000000000", 3000000000},
		{"100K", 100 << 10},
		{"50%", 8 << 30},
		{"100%", 16 << 30},
		{"1T", 0}, // exceeds the machine
		{"0", 0},
		{"-1G", 0},
		{"8X", 0},
		{"0%", 0},
		{"101%", 0},
		{"G", 0},
	} {
		got, err := Parse(c.in, machine)
		if c.want == 0 {
			if !errors.Is(err, ErrBudget) {
				t.Errorf("Parse(%q) = %v, %v; want an ErrBudget error", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestMachine(t *testing.T) {
	m, err := Machine()
	if err != nil {
		t.Skip(err) // not Linux
	}
	if m < 64<<20 {
		t.Errorf("Machine() = %v, implausibly small", m)
	}
	b, err := Budget("")
	if err != nil || b <= 0 || b > m {
		t.Errorf("Budget(\"\") = %v, %v with machine %v", b, err, m)
	}
}

func TestLimits(t *testing.T) {
	dir := t.TempDir()
	mi := filepath.Join(dir, "meminfo")
	os.WriteFile(mi, []byte("MemFree:  10 kB\nMemTotal:       24576000 kB\n"), 0o666)
	if v, err := memTotal(mi); err != nil || v != 24576000*1024 {
		t.Errorf("memTotal = %v, %v", v, err)
	}
	cg := filepath.Join(dir, "memory.max")
	for in, want := range map[string]Bytes{"max\n": 0, "4294967296\n": 4 << 30, "9223372036854771712\n": 0} {
		os.WriteFile(cg, []byte(in), 0o666)
		v, ok := cgroupLimit(cg)
		if (want == 0) == ok || v != want {
			t.Errorf("cgroupLimit(%q) = %v, %v", in, v, ok)
		}
	}
}

func TestBlock(t *testing.T) {
	e := &Estimate{
		What:    "encode layer conv1",
		Fixed:   []Item{{"candidates", 100 << 20}, {"targets", 28 << 20}},
		PerUnit: []Item{{"block", 4800}, {"scaled block", 4800}},
	}
	// (1 GiB - 128 MiB) / 9600 B = 97,867 units: 95 blocks of 1024.
	n, err := e.Block(1<<30, 1024, 1<<30)
	if err != nil || n != 97280 {
		t.Fatalf("Block = %d, %v; want 97280", n, err)
	}
	if e.Peak(n) > 1<<30 || e.Peak(n+1024) <= 1<<30 {
		t.Errorf("block %d is not the largest that fits", n)
	}
	if n, _ := e.Block(1<<30, 1024, 5000); n != 5120 {
		t.Errorf("limited block = %d, want 5120 (5000 rounded up to 1024)", n)
	}
	_, err = e.Block(130<<20, 1024, 1<<30)
	var ts *TooSmallError
	if !errors.As(err, &ts) {
		t.Fatalf("tiny budget: %v, want *TooSmallError", err)
	}
	msg := err.Error()
	for _, s := range []string{"encode layer conv1", "needs at least 137 MiB", "budget is 130 MiB", "candidates 100 MiB", "block 4.69 MiB"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q does not mention %q", msg, s)
		}
	}
}

func TestBytes(t *testing.T) {
	for b, want := range map[Bytes]string{12: "12 B", 1536: "1.5 KiB", 8 << 30: "8 GiB", 3 << 40: "3 TiB"} {
		if got := b.String(); got != want {
			t.Errorf("%d: %q, want %q", int64(b), got, want)
		}
	}
}
