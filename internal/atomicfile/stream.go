package atomicfile

import "io"

// WriteStream writes path through a temporary file in the same directory
// renamed into place (Create, Commit): fn writes the content. When fn or the
// commit fails, nothing is left behind and a reader never sees a partial
// file.
func WriteStream(path string, fn func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fn(f); err != nil {
		return err
	}
	return f.Commit()
}
