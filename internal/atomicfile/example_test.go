package atomicfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

func Example() {
	root, _ := os.MkdirTemp("", "atomicfile-example")
	defer os.RemoveAll(root)

	// A stimulus name from the data becomes a file name: join it safely.
	path, err := atomicfile.SafeJoin(root, "decoded", "n01443537_22563.mat")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Any writer that takes a file name works through Write.
	err = atomicfile.Write(path, func(tmp string) error {
		return os.WriteFile(tmp, []byte("features"), 0o666)
	})
	fmt.Println(err)
	b, _ := os.ReadFile(path)
	fmt.Println(string(b))

	ents, _ := os.ReadDir(filepath.Dir(path))
	fmt.Println(len(ents), "file, no temporary left")

	_, err = atomicfile.SafeJoin(root, "../../etc/passwd")
	fmt.Println(err)
	// Output:
	// <nil>
	// features
	// 1 file, no temporary left
	// atomicfile: name "../../etc/passwd" contains '/', '\' or NUL: unsafe file name
}
