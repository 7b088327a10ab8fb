package provenance

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// ContentLimit is the largest file identified by its content; larger files
// are identified by path, size and modification time.
const ContentLimit = 1 << 20

// Fingerprint describes everything that determined a job's outputs. The
// zero value is an empty fingerprint; Set and Add keep it sorted.
type Fingerprint struct {
	Params []Param `json:"params"`
	Inputs []Input `json:"inputs"`
}

// Param is one named parameter. Values are strings so that the encoding is
// canonical: use Float and Int for numbers.
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Input is the identity of one input file or directory.
type Input struct {
	// Role says what the input is for, e.g. "training fMRI"; it is the
	// input's key: a fingerprint has one input per role.
	Role string `json:"role"`
	Path string `json:"path"` // absolute
	Kind string `json:"kind"` // "file" or "dir"
	Size int64  `json:"size"` // bytes; for a directory, of all its files
	// Files is the number of files of a directory.
	Files int `json:"files,omitempty"`
	// ModTime is set for files identified by their modification time.
	ModTime string `json:"mtime,omitempty"`
	// SHA256 is the content hash of a small file, or the hash of a
	// directory's file list (names, sizes, modification times).
	SHA256 string `json:"sha256,omitempty"`
}

// Float formats a parameter value the shortest way that reads back exactly.
func Float(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// Int formats an integer parameter value.
func Int(n int) string { return strconv.Itoa(n) }

// Set sets parameter name to value.
func (f *Fingerprint) Set(name, value string) {
	i, ok := slices.BinarySearchFunc(f.Params, name, func(p Param, n string) int { return strings.Compare(p.Name, n) })
	if ok {
		f.Params[i].Value = value
		return
	}
	f.Params = slices.Insert(f.Params, i, Param{name, value})
}

// Param returns the value of parameter name.
func (f *Fingerprint) Param(name string) (string, bool) {
	i, ok := slices.BinarySearchFunc(f.Params, name, func(p Param, n string) int { return strings.Compare(p.Name, n) })
	if !ok {
		return "", false
	}
	return f.Params[i].Value, true
}

// Add adds (or replaces) the input of in.Role.
func (f *Fingerprint) Add(in Input) {
	i, ok := slices.BinarySearchFunc(f.Inputs, in.Role, func(x Input, r string) int { return strings.Compare(x.Role, r) })
	if ok {
		f.Inputs[i] = in
		return
	}
	f.Inputs = slices.Insert(f.Inputs, i, in)
}

// Clone returns a deep copy of f.
func (f *Fingerprint) Clone() *Fingerprint {
	return &Fingerprint{Params: slices.Clone(f.Params), Inputs: slices.Clone(f.Inputs)}
}

// Sum returns the hex SHA-256 of f's canonical JSON encoding: equal
// fingerprints have equal sums.
func (f *Fingerprint) Sum() string {
	b, err := json.Marshal(f.canonical())
	if err != nil {
		panic(err) // strings and integers only
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// canonical returns f with nil lists made empty (so that nil and empty
// fingerprints encode alike) and sorted (in case a caller built it by hand).
func (f *Fingerprint) canonical() *Fingerprint {
	c := &Fingerprint{Params: slices.Clone(f.Params), Inputs: slices.Clone(f.Inputs)}
	if c.Params == nil {
		c.Params = []Param{}
	}
	if c.Inputs == nil {
		c.Inputs = []Input{}
	}
	slices.SortStableFunc(c.Params, func(a, b Param) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(c.Inputs, func(a, b Input) int { return strings.Compare(a.Role, b.Role) })
	return c
}

// Equal reports whether f and g have the same parameters and inputs.
func (f *Fingerprint) Equal(g *Fingerprint) bool {
	if f == nil || g == nil {
		return f == g
	}
	return f.Sum() == g.Sum()
}

// Diff describes in words what changed from old to cur, one reason per
// changed parameter or input, in a stable order. A nil old gives the single
// reason "no fingerprint recorded (written by an older bhscore)". Equal
// fingerprints give nil.
func Diff(old, cur *Fingerprint) []string {
	if old == nil {
		return []string{"no fingerprint recorded (written by an older bhscore)"}
	}
	if cur == nil {
		cur = &Fingerprint{}
	}
	o, c := old.canonical(), cur.canonical()
	var out []string
	op := map[string]string{}
	for _, p := range o.Params {
		op[p.Name] = p.Value
	}
	seen := map[string]bool{}
	for _, p := range c.Params {
		seen[p.Name] = true
		v, ok := op[p.Name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s set to %s (not recorded before)", p.Name, p.Value))
		case v != p.Value:
			out = append(out, fmt.Sprintf("%s %s -> %s", p.Name, v, p.Value))
		}
	}
	for _, p := range o.Params {
		if !seen[p.Name] {
			out = append(out, fmt.Sprintf("%s %s no longer set", p.Name, p.Value))
		}
	}
	oi := map[string]Input{}
	for _, in := range o.Inputs {
		oi[in.Role] = in
	}
	seen = map[string]bool{}
	for _, in := range c.Inputs {
		seen[in.Role] = true
		prev, ok := oi[in.Role]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s %s is a new input", in.Role, in.Path))
		case prev != in:
			out = append(out, fmt.Sprintf("%s %s", in.Role, inputChange(prev, in)))
		}
	}
	for _, in := range o.Inputs {
		if !seen[in.Role] {
			out = append(out, fmt.Sprintf("%s %s is no longer an input", in.Role, in.Path))
		}
	}
	return out
}

// inputChange says how an input's identity changed.
func inputChange(a, b Input) string {
	switch {
	case a.Path != b.Path:
		return fmt.Sprintf("moved from %s to %s", a.Path, b.Path)
	case a.Kind != b.Kind:
		return fmt.Sprintf("%s: was a %s, now a %s", b.Path, a.Kind, b.Kind)
	case b.Kind == "dir" && a.Files != b.Files:
		return fmt.Sprintf("%s: %d files, was %d", b.Path, b.Files, a.Files)
	case b.Kind == "dir":
		return fmt.Sprintf("%s: files changed (sizes or modification times)", b.Path)
	case a.Size != b.Size:
		return fmt.Sprintf("%s: size %d -> %d bytes", b.Path, a.Size, b.Size)
	case a.SHA256 != "" && b.SHA256 != "" && a.SHA256 != b.SHA256:
		return fmt.Sprintf("%s: content changed", b.Path)
	case a.ModTime != b.ModTime:
		return fmt.Sprintf("%s: modified (%s, was %s)", b.Path, orNone(b.ModTime), orNone(a.ModTime))
	}
	return fmt.Sprintf("%s: identity changed", b.Path)
}

func orNone(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}

// Marshal returns f as indented JSON with a final newline.
func (f *Fingerprint) Marshal() []byte {
	b, err := json.MarshalIndent(f.canonical(), "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// Unmarshal parses a fingerprint written by Marshal.
func Unmarshal(data []byte) (*Fingerprint, error) {
	var f Fingerprint
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	return &f, nil
}

// WriteFile writes f atomically to path.
func WriteFile(path string, f *Fingerprint) error {
	if err := atomicfile.WriteBytes(path, f.Marshal()); err != nil {
		return fmt.Errorf("provenance: %w", err)
	}
	return nil
}

// ReadFile reads a fingerprint written by WriteFile. A missing file gives
// an error matching fs.ErrNotExist.
func ReadFile(path string) (*Fingerprint, error) {
	b, err := fsx.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	f, err := Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("provenance: %s: %w", path, errors.Unwrap(err))
	}
	return f, nil
}

// Identifier identifies input files and directories (see the package
// documentation), caching each path's identity for its lifetime: use one
// per run, so that a file changed between runs is examined again. It is
// safe for concurrent use; the zero value is ready.
type Identifier struct {
	mu    sync.Mutex
	cache map[string]Input
}

// Identify returns the identity of the file or directory at path, in
// role. Paths are made absolute. A path that does not exist, or is neither
// a regular file nor a directory, is an error naming it.
func (id *Identifier) Identify(role, path string) (Input, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Input{}, fmt.Errorf("provenance: %s: %w", path, err)
	}
	id.mu.Lock()
	in, ok := id.cache[abs]
	id.mu.Unlock()
	if !ok {
		if in, err = identify(abs); err != nil {
			return Input{}, fmt.Errorf("provenance: %s: %w", role, err)
		}
		id.mu.Lock()
		if id.cache == nil {
			id.cache = map[string]Input{}
		}
		id.cache[abs] = in
		id.mu.Unlock()
	}
	in.Role = role
	return in, nil
}

// Add identifies path and adds it to f in role.
func (id *Identifier) Add(f *Fingerprint, role, path string) error {
	in, err := id.Identify(role, path)
	if err != nil {
		return err
	}
	f.Add(in)
	return nil
}

func mtime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func identify(abs string) (Input, error) {
	info, err := os.Stat(abs)
	if err != nil {
		return Input{}, err
	}
	if info.IsDir() {
		return identifyDir(abs)
	}
	if !info.Mode().IsRegular() {
		return Input{}, fsx.CheckRegular(abs)
	}
	in := Input{Path: abs, Kind: "file", Size: info.Size()}
	if info.Size() > ContentLimit {
		in.ModTime = mtime(info.ModTime())
		return in, nil
	}
	f, err := fsx.Open(abs)
	if err != nil {
		return Input{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Input{}, err
	}
	in.Size = n
	in.SHA256 = hex.EncodeToString(h.Sum(nil))
	return in, nil
}

// identifyDir hashes the list of regular files beneath dir ("<relative
// path>\t<size>\t<mtime>\n", sorted by path), skipping temporaries left by
// atomic writers.
func identifyDir(dir string) (Input, error) {
	in := Input{Path: dir, Kind: "dir"}
	h := sha256.New()
	// WalkDir does not follow a symbolic link given as its root.
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return Input{}, err
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || atomicfile.IsTemp(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			// A link to a regular file is followed; anything else is
			// not an input file.
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				info = st
			} else {
				return nil
			}
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s\t%d\t%s\n", filepath.ToSlash(rel), info.Size(), mtime(info.ModTime()))
		in.Files++
		in.Size += info.Size()
		return nil
	})
	if err != nil {
		return Input{}, err
	}
	in.SHA256 = hex.EncodeToString(h.Sum(nil))
	return in, nil
}

// Version returns the bhscore module's version as the Go toolchain stamped
// it into the running binary ("(devel)" for an unstamped build, such as go
// test's).
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if bi.Main.Path == modulePath {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return "unknown"
}

const modulePath = "github.com/brainhierarchy/bhscore"
