package fmri

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by *Error; test for them with errors.Is.
var (
	// ErrFormat: the file is not HDF5 or lacks a BData member.
	ErrFormat = errors.New("not a BData file")
	// ErrShape: dataset and metadata (or keys and values) disagree in size.
	ErrShape = errors.New("inconsistent shapes")
	// ErrNoLabel: a label value has no vmap entry, or a key has no vmap.
	ErrNoLabel = errors.New("no label")
	// ErrNaNLabel: a trial's label value is NaN.
	ErrNaNLabel = errors.New("NaN label")
)

// Error says which file and key (metadata key, selector or HDF5 member) an
// operation failed on.
type Error struct {
	File string // file name, "" for in-memory data
	Key  string // metadata key, selector expression or HDF5 path; may be ""
	Err  error
}

func (e *Error) Error() string {
	switch {
	case e.File == "" && e.Key == "":
		return "fmri: " + e.Err.Error()
	case e.File == "":
		return fmt.Sprintf("fmri: %s: %v", e.Key, e.Err)
	case e.Key == "":
		return fmt.Sprintf("fmri: %s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("fmri: %s: %s: %v", e.File, e.Key, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
