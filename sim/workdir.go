package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// ManifestName is the file in which Generate records the simulated study it
// made in a directory: its size and seed and every file it wrote, so that a
// later Generate knows which files are its own.
const ManifestName = ".bhscore-sim.json"

// ErrNotOwned is wrapped by Generate's error for a directory that is not
// empty and holds no simulated study Generate made: bhscore never
// overwrites files it did not create.
var ErrNotOwned = errors.New("directory is not empty and was not made by bhscore's simulation")

// manifest is the content of ManifestName.
type manifest struct {
	Size string `json:"size"`
	Seed uint64 `json:"seed"`
	// Complete is false while the files are being written: a killed
	// Generate leaves a manifest that still names them, so the next one
	// knows they are its own.
	Complete bool     `json:"complete"`
	Files    []string `json:"files"` // relative, '/'-separated, sorted
}

// Generate designs a study (New) and writes it to dir (Write), keeping a
// manifest (ManifestName) of what it wrote:
//
//   - a missing or empty dir receives the study;
//   - a dir holding the complete study of the same size and seed is left as
//     it is (files edited since, such as study.yaml, are kept; nothing is
//     rewritten, so input fingerprints, and results, stay the same);
//   - a dir holding another simulated study (other size or seed, or an
//     interrupted Generate) has the files its manifest lists removed and
//     receives the new study; other files (results) are left;
//   - any other non-empty dir is refused with an error wrapping
//     ErrNotOwned that names some of its files.
func Generate(ctx context.Context, dir string, size Size, seed uint64, o *WriteOptions) (*Study, error) {
	s, err := New(size, seed)
	if err != nil {
		return nil, err
	}
	return s, s.generate(ctx, dir, o)
}

// generate is Generate for a designed study.
func (s *Study) generate(ctx context.Context, dir string, o *WriteOptions) error {
	size, seed := s.Size, s.Seed
	mpath := filepath.Join(dir, ManifestName)
	old, err := readManifest(mpath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := checkEmpty(dir); err != nil {
			return err
		}
	case err != nil:
		return err
	case old.Complete && old.Size == size.String() && old.Seed == seed && present(dir, old.Files):
		return nil
	default:
		for _, f := range old.Files {
			p, err := atomicfile.SafeJoin(dir, strings.Split(f, "/")...)
			if err != nil {
				return fmt.Errorf("sim: %s: %w", mpath, err)
			}
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("sim: %w", err)
			}
		}
	}
	m := manifest{Size: size.String(), Seed: seed, Files: s.paths()}
	if err := writeManifest(mpath, m); err != nil {
		return err
	}
	if err := s.Write(ctx, dir, o); err != nil {
		return err
	}
	m.Complete = true
	return writeManifest(mpath, m)
}

// paths lists the files Write writes, relative to the study directory,
// '/'-separated and sorted.
func (s *Study) paths() []string {
	var out []string
	add := func(p string) { out = append(out, filepath.ToSlash(p)) }
	for _, name := range []string{"settings.json", "truth.json", "study.yaml"} {
		add(name)
	}
	for i := range s.Nets {
		add(filepath.Join("configs", configName(&s.Nets[i])))
	}
	for _, sub := range s.Subjects {
		for _, split := range []string{TrainSet, TestSet} {
			add(FMRIPath("", sub.Name, split))
		}
	}
	for i := range s.Nets {
		n := &s.Nets[i]
		for _, l := range n.Layers {
			for _, split := range []string{TrainSet, TestSet} {
				sp, _, _ := s.split(split)
				for _, stem := range sp.Stems {
					add(FeaturePath("", split, n, l.Name, stem))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func readManifest(path string) (*manifest, error) {
	b, err := fsx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("sim: %s: %w (remove the directory's contents yourself if it is a simulation)", path, err)
	}
	return &m, nil
}

func writeManifest(path string, m manifest) error {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if err := atomicfile.WriteBytes(path, append(b, '\n')); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	return nil
}

// present reports whether every file of the list exists below dir.
func present(dir string, files []string) bool {
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return false
		}
	}
	return true
}

// checkEmpty returns nil if dir does not exist or is empty, else an error
// wrapping ErrNotOwned that names up to three of its entries.
func checkEmpty(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(ents) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	var names []string
	for i, e := range ents {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(ents)-3))
			break
		}
		names = append(names, e.Name())
	}
	return fmt.Errorf("sim: %s: %w (no %s; it holds %s): use an empty or new directory", dir, ErrNotOwned, ManifestName, strings.Join(names, ", "))
}
