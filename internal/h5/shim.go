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
	mu.Lock()
	C.H5open()
	C.bh_silence()
	mu.Unlock()
}

func cstr(s string) *C.char { return C.CString(s) }

func free(p *C.char) { C.free(unsafe.Pointer(p)) }
