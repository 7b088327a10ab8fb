package fsx

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular is wrapped by the errors of this package for a path that
// exists but is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// notRegular returns the error for a non-regular file of mode m.
func notRegular(op, path string, m fs.FileMode) error {
	return &fs.PathError{Op: op, Path: path, Err: &kindError{kind: Kind(m)}}
}

// kindError says what a non-regular file is; it matches ErrNotRegular.
type kindError struct{ kind string }

func (e *kindError) Error() string        { return "is " + e.kind + ", not a regular file" }
func (e *kindError) Is(target error) bool { return target == ErrNotRegular }

// Kind describes a file mode in words: "a regular file", "a directory",
// "a named pipe (FIFO)", "a socket", "a device", "a symbolic link" or
// "an irregular file".
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "an irregular file"
}

// CheckRegular returns nil if path names (after following symbolic links)
// a regular file, the stat error if it cannot be examined, and an error
// wrapping ErrNotRegular otherwise. Use it before handing a path to code
// that opens it by name (libhdf5); prefer Open where the file is read here.
func CheckRegular(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return notRegular("open", path, info.Mode())
	}
	return nil
}

// Open opens path read-only if it is a regular file. It never blocks on a
// FIFO, even one that replaces a regular file between its checks.
func Open(path string) (*os.File, error) {
	if err := CheckRegular(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, notRegular("open", path, info.Mode())
	}
	// O_NONBLOCK means nothing for regular files' reads, but clear it so
	// the descriptor behaves like one from os.Open.
	if err := clearNonblock(f); err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return f, nil
}

// ReadFile reads the whole regular file at path, like os.ReadFile.
func ReadFile(path string) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int
	if info, err := f.Stat(); err == nil && info.Size() < 1<<40 {
		size = int(info.Size())
	}
	buf := make([]byte, 0, size+512)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

func clearNonblock(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
