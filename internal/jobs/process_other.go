//go:build !unix

package jobs

import "os"

// processGone is always false where processes cannot be probed: owners on
// this host are then judged by heartbeat age only.
func processGone(pid int) bool { return false }

func linkCount(f *os.File) uint64 { return 0 }
