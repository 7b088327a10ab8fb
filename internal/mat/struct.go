package mat

import (
	"fmt"
	"sort"

	"github.com/brainhierarchy/bhscore/internal/h5"
)

// WriteV73Struct writes a MATLAB v7.3 file at path holding one struct
// variable name whose fields are the given arrays, as
//
//	hdf5storage.savemat(path, {name: {field: array, ...}}, format='7.3')
//
// writes it: a group with the struct attributes, one dataset per field
// (layout as in WriteV73), fields in sorted order. Atomic, like WriteV73.
// bdpy's feature-index files (index_random1000.mat) are such structs.
func WriteV73Struct(path, name string, fields map[string]*Array) error {
	if err := checkName(name); err != nil {
		return &Error{File: path, Var: name, Err: err}
	}
	if len(fields) == 0 {
		return &Error{File: path, Var: name, Err: fmt.Errorf("struct has no fields")}
	}
	names := make([]string, 0, len(fields))
	for n, a := range fields {
		if err := checkName(n); err != nil {
			return &Error{File: path, Var: name, Err: fmt.Errorf("field: %w", err)}
		}
		if err := a.check(); err != nil {
			return &Error{File: path, Var: name + "." + n, Err: err}
		}
		if err := checkValues(a); err != nil {
			return &Error{File: path, Var: name + "." + n, Err: err}
		}
		names = append(names, n)
	}
	sort.Strings(names)
	err := writeV73File(path, func(f *h5.File) error { return writeStruct(f, "/"+name, names, fields) })
	if err != nil {
		return &Error{File: path, Var: name, Err: err}
	}
	return nil
}

func writeStruct(f *h5.File, p string, names []string, fields map[string]*Array) error {
	if err := f.CreateGroup(p); err != nil {
		return err
	}
	if err := setStructAttrs(f, p, names); err != nil {
		return err
	}
	for _, n := range names {
		mp := p + "/" + n
		if err := writeV73Dataset(f, mp, fields[n], nil); err != nil {
			return fmt.Errorf("field %q: %w", n, err)
		}
		if err := f.SetAttrString(mp, "H5PATH", p, false); err != nil {
			return err
		}
	}
	return nil
}

// setStructAttrs gives the group at p the attributes MATLAB and
// hdf5storage give a struct (a Python dict) with the given fields.
func setStructAttrs(f *h5.File, p string, fields []string) error {
	if err := f.SetAttrString(p, "MATLAB_class", "struct", false); err != nil {
		return err
	}
	if err := f.SetAttrCharSeqs(p, "MATLAB_fields", fields); err != nil {
		return err
	}
	if err := f.SetAttrStrings(p, "Python.Fields", []int{len(fields)}, fields, true); err != nil {
		return err
	}
	return f.SetAttrString(p, "Python.Type", "dict", false)
}
