package extract

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyExtractNeedsRuntime checks that no package outside extract (and
// the binaries built on it) imports the ONNX Runtime binding, so the rest
// of bhscore builds and runs without the library.
func TestOnlyExtractNeedsRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/brainhierarchy/bhscore/...").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "github.com/brainhierarchy/bhscore") {
			continue
		}
		for _, imp := range f[1:] {
			if imp == "github.com/yalue/onnxruntime_go" && f[0] != "github.com/brainhierarchy/bhscore/extract" {
				t.Errorf("%s imports the ONNX Runtime binding; only extract may", f[0])
			}
		}
	}
}
