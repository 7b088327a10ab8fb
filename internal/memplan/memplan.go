package memplan

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// DefaultFraction is the share of the machine's memory an empty budget
// string gives: enough headroom for the Go runtime's garbage, the page
// cache and other processes.
const DefaultFraction = 0.75

// ErrBudget is wrapped by errors about a budget string.
var ErrBudget = errors.New("memplan: invalid memory budget")

// Bytes is a size in bytes that prints in binary units ("1.5 GiB").
type Bytes int64

func (b Bytes) String() string {
	const unit = 1024
	v := float64(b)
	if math.Abs(v) < unit {
		return fmt.Sprintf("%d B", int64(b))
	}
	for _, s := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= unit
		if math.Abs(v) < unit || s == "TiB" {
			return fmt.Sprintf("%.3g %s", v, s)
		}
	}
	panic("unreachable")
}

// Machine returns the memory available to this process: the smaller of the
// physical memory and the cgroup limit, if any.
func Machine() (Bytes, error) {
	total, err := memTotal("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("memplan: reading the machine's memory: %w", err)
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if lim, ok := cgroupLimit(p); ok && lim < total {
			total = lim
		}
	}
	return total, nil
}

// memTotal reads MemTotal from a meminfo file.
func memTotal(path string) (Bytes, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		fs := strings.Fields(rest)
		if len(fs) != 2 || fs[1] != "kB" {
			break
		}
		kb, err := strconv.ParseInt(fs[0], 10, 64)
		if err != nil || kb <= 0 {
			break
		}
		return Bytes(kb * 1024), nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no MemTotal line", path)
}

// cgroupLimit reads a cgroup memory limit; "max" or an absurdly large
// value (cgroup v1's "no limit") reports false.
func cgroupLimit(path string) (Bytes, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v <= 0 || v >= 1<<60 {
		return 0, false
	}
	return Bytes(v), true
}

// Parse reads a budget string relative to the machine's memory: "" gives
// DefaultFraction of machine; "60%" a percentage of it; otherwise a size:
// a number with an optional unit K, M, G or T (powers of 1024, with or
// without a trailing "B" or "iB", any case) or B. The result must be
// positive and no larger than machine.
func Parse(s string, machine Bytes) (Bytes, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Bytes(float64(machine) * DefaultFraction), nil
	}
	var v Bytes
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
		if err != nil || !(f > 0 && f <= 100) {
			return 0, fmt.Errorf("%w %q: a percentage must be in (0, 100]", ErrBudget, s)
		}
		v = Bytes(float64(machine) * f / 100)
	} else {
		i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' })
		num, unit := s, ""
		if i >= 0 {
			num, unit = s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || !(f > 0) {
			return 0, fmt.Errorf("%w %q: want a size such as 8G or 512MiB, or a percentage such as 60%%", ErrBudget, s)
		}
		unit = strings.TrimSuffix(strings.TrimSuffix(unit, "b"), "i")
		shift, ok := map[string]uint{"": 0, "k": 10, "m": 20, "g": 30, "t": 40}[unit]
		if !ok {
			return 0, fmt.Errorf("%w %q: unknown unit (use K, M, G or T)", ErrBudget, s)
		}
		f *= float64(uint64(1) << shift)
		if f >= math.MaxInt64 {
			return 0, fmt.Errorf("%w %q: too large", ErrBudget, s)
		}
		v = Bytes(f)
	}
	if v <= 0 {
		return 0, fmt.Errorf("%w %q: must be positive", ErrBudget, s)
	}
	if machine > 0 && v > machine {
		return 0, fmt.Errorf("%w %q: %v exceeds the machine's %v", ErrBudget, s, v, machine)
	}
	return v, nil
}

// Budget returns the budget s gives on this machine (see Parse).
func Budget(s string) (Bytes, error) {
	m, err := Machine()
	if err != nil {
		return 0, err
	}
	return Parse(s, m)
}
