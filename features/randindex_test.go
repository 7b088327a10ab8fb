package features

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

func TestRandomIndex(t *testing.T) {
	// Reference selections computed with numpy 1.24 (legacy RandomState):
	// np.random.seed(seed); np.sort(np.random.choice(units, n, replace=False)).
	idx, err := RandomIndex(map[string]int{"a": 20, "b": 3}, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := UnitIndex{"a": {1, 8, 10, 18, 19}, "b": {0, 1, 2}}
	if !reflect.DeepEqual(idx, want) {
		t.Errorf("RandomIndex(seed 0) = %v, want %v", idx, want)
	}
	idx, err = RandomIndex(map[string]int{"fc": 1000}, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{271, 334, 778}; !reflect.DeepEqual(idx["fc"], want) {
		t.Errorf("RandomIndex(seed 7) = %v, want %v", idx["fc"], want)
	}
	if _, err := RandomIndex(map[string]int{"a": 0}, 5, 0); err == nil {
		t.Error("no error for a layer without units")
	}
	if _, err := RandomIndex(map[string]int{"a": 4}, 0, 0); err == nil {
		t.Error("no error for n = 0")
	}
}

func TestWriteIndexRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index_random1000.mat")
	idx := UnitIndex{"conv2": {7, 0, 11, 3}, "fc7": {5, 1, 6}}
	if err := WriteIndex(path, idx); err != nil {
		t.Fatal(err)
	}
	got, err := ReadIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, idx) {
		t.Errorf("ReadIndex(WriteIndex(x)) = %v, want %v", got, idx)
	}
	// The file selects the same units as the hdf5storage-written fixture
	// (same positions): a feature directory opened with it loads alike.
	d, err := OpenDir(filepath.Join("testdata", "with_index"), &DirOptions{IndexFile: path})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := OpenDir(filepath.Join("testdata", "with_index"), &DirOptions{IndexFile: filepath.Join("testdata", "with_index", "index_random4.mat")})
	if err != nil {
		t.Fatal(err)
	}
	for _, layer := range []string{"conv2", "fc7"} {
		a, err := d.Layer(t.Context(), layer)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ref.Layer(t.Context(), layer)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("layer %s differs between written and fixture index", layer)
		}
	}
	if err := WriteIndex(filepath.Join(t.TempDir(), "x.mat"), UnitIndex{"a/b": {1}}); err == nil {
		t.Error("no error for a layer name that cannot be a MATLAB field")
	}
	if err := WriteIndex(filepath.Join(t.TempDir(), "x.mat"), UnitIndex{}); err == nil {
		t.Error("no error for an empty index")
	}
}

// TestWriteIndexHdf5storage checks with the reference reader, when the
// Python stack is installed (it is not in CI): bdpy loads the index with
// hdf5storage.loadmat(path)['index'][layer].
func TestWriteIndexHdf5storage(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil || os.Getenv("BHSCORE_PYTHON_CHECKS") == "" {
		t.Skip("set BHSCORE_PYTHON_CHECKS=1 with /usr/bin/python3 + hdf5storage to run")
	}
	path := filepath.Join(t.TempDir(), "index.mat")
	if err := WriteIndex(path, UnitIndex{"conv2": {7, 0, 11, 3}, "fc7": {5, 1, 6}}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", `import sys, hdf5storage
x = hdf5storage.loadmat(sys.argv[1])['index']
print(sorted(x.keys()), x['conv2'].dtype, x['conv2'].shape, list(x['conv2']), list(x['fc7']))`, path).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if want := "['conv2', 'fc7'] int64 (4,) [7, 0, 11, 3] [5, 1, 6]\n"; string(out) != want {
		t.Errorf("hdf5storage reads %q, want %q", out, want)
	}
}
