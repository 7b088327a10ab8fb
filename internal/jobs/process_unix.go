//go:build unix

package jobs

import (
	"errors"
	"os"
	"syscall"
)

// processGone reports whether no process with id pid exists on this host.
func processGone(pid int) bool {
	if pid <= 0 {
		return false
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// linkCount returns f's number of hard links, or 0 if unknown.
func linkCount(f *os.File) uint64 {
	info, err := f.Stat()
	if err != nil {
		return 0
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 0
}
