package h5

// #cgo LDFLAGS: -lhdf5 -lhdf5_hl
// #cgo linux,!arm64 CFLAGS: -I/usr/lib/x86_64-linux-gnu/hdf5/serial/include
// #cgo linux,!arm64 LDFLAGS: -L/usr/lib/x86_64-linux-gnu/hdf5/serial/
// #cgo linux,arm64 CFLAGS: -I/usr/lib/aarch64-linux-gnu/hdf5/serial/include
// #cgo linux,arm64 LDFLAGS: -L/usr/lib/aarch64-linux-gnu/hdf5/serial/
// #include "shim.h"
import "C"

import (
	"sync"
	"unsafe"
)

// mu serialises every libhdf5 call in the process.
var mu sync.Mutex

func init() {
	lock()
	C.H5open()
	mu.Unlock()
}

// lock takes the library lock. It also turns off libhdf5's automatic
// error printing for the calling thread: Debian's libhdf5 keeps its error
// stack per thread, and cgo calls run on whichever thread the goroutine is
// on, so silencing once at start-up is not enough. Errors are returned, not
// printed.
func lock() {
	mu.Lock()
	C.bh_silence()
}

func cstr(s string) *C.char { return C.CString(s) }

func free(p *C.char) { C.free(unsafe.Pointer(p)) }
