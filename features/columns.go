package features

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
)

// Columns reads blocks of units of one packed layer for every image: the
// access pattern of analyses that stream a layer too large for memory
// (all-unit encoding). Units are numbered in Order() of the unit shape.
// A version 2 file holding units in that order is read straight, one
// sequential read per unit block; OpenColumns converts anything else
// through a scratch file first.
//
// A Columns is safe for concurrent use; Close it when done.
type Columns struct {
	f       *os.File
	ph      *packHeader
	path    string
	work    int
	scratch string // file to remove on Close; "" if none
	pool    scratchPool

	finite bool // Read refuses NaN and ±Inf values

	mu     sync.Mutex
	closed bool
}

// Columns opens one layer of the store for column reads in the file's own
// unit order (see PackOptions.COrder), expanding tiles with the store's
// Workers.
func (p *Packed) Columns(layer string) (*Columns, error) {
	if _, ok := slices.BinarySearch(p.layers, layer); !ok {
		return nil, &Error{File: p.dir, Layer: layer, Err: ErrNoLayer}
	}
	path := p.path(layer)
	c, err := openColumnsFile(path, p.work)
	if err != nil {
		return nil, err
	}
	if err := p.check(c.ph, layer); err != nil {
		c.Close()
		return nil, &Error{File: path, Layer: layer, Err: err}
	}
	return c, nil
}

func openColumnsFile(path string, workers int) (*Columns, error) {
	f, ph, err := openHeader(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return &Columns{f: f, ph: ph, path: path, work: max(1, workers)}, nil
}

// ColumnsOptions configures OpenColumns. The zero value is valid.
type ColumnsOptions struct {
	// Order is the unit order the caller reads in (Fortran for the
	// encoding analyses). Default C.
	Order Order
	// ScratchDir is where a scratch file is written when the store cannot
	// be read in Order directly. Default os.TempDir().
	ScratchDir string
	// Pack configures the scratch file (Memory bounds the rows held while
	// writing it; Version, COrder and Progress are ignored).
	Pack PackOptions
	// Workers bounds the goroutines expanding tiles (0: GOMAXPROCS).
	Workers int
	// Finite makes Read fail with a *NonFiniteError (naming the layer, the
	// image and the unit) when the units it reads hold NaN or ±Inf values,
	// the check Layer.CheckFinite makes of a whole layer.
	Finite bool
}

// OpenColumns opens one layer of any store for column reads in o.Order. A
// *Packed store whose layer file is version 2 in that order (or a layer of
// one axis) is read in place. Anything else (a bdpy directory, a version 1
// file, the other order) is first written to a version 2 scratch file in
// o.ScratchDir in one pass over the source, reading a few rows at a time
// when the store implements RowReader; Close removes it.
func OpenColumns(ctx context.Context, s Store, layer string, o *ColumnsOptions) (*Columns, error) {
	var opt ColumnsOptions
	if o != nil {
		opt = *o
	}
	if opt.Workers <= 0 {
		opt.Workers = defaultWorkers()
	}
	if p, ok := s.(*Packed); ok {
		c, err := p.Columns(layer)
		if err != nil {
			return nil, err
		}
		if c.ph.version == packVersion2 && (c.Order() == opt.Order || len(c.ph.shape) < 2) {
			c.work, c.finite = opt.Workers, opt.Finite
			return c, nil
		}
		c.Close()
	}
	if _, ok := slices.BinarySearch(s.Layers(), layer); !ok {
		return nil, &Error{Layer: layer, Err: ErrNoLayer}
	}
	dir := opt.ScratchDir
	if dir == "" {
		dir = os.TempDir()
	}
	tmp, err := os.MkdirTemp(dir, "bhscore-columns-")
	if err != nil {
		return nil, &Error{File: dir, Layer: layer, Err: err}
	}
	path := filepath.Join(tmp, "layer"+PackExt)
	po := opt.Pack
	po.Version, po.COrder, po.Progress = packVersion2, opt.Order == C, nil
	if err := packLayer(ctx, s, layer, s.Labels(), path, &po); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	c, err := openColumnsFile(path, opt.Workers)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	c.scratch, c.finite = tmp, opt.Finite
	return c, nil
}

// Close closes the file and removes a scratch file.
func (c *Columns) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	err := c.f.Close()
	if c.scratch != "" {
		if e := os.RemoveAll(c.scratch); err == nil {
			err = e
		}
	}
	return err
}

// Name returns the layer name.
func (c *Columns) Name() string { return c.ph.name }

// Labels returns the stimulus stems, the rows.
func (c *Columns) Labels() []string { return slices.Clone(c.ph.labels) }

// Rows returns the number of images.
func (c *Columns) Rows() int { return c.ph.rows() }

// Units returns the number of units per image.
func (c *Columns) Units() int { return c.ph.units() }

// Shape returns the unit shape of one image (see Layer.Shape).
func (c *Columns) Shape() []int { return slices.Clone(c.ph.shape) }

// Index returns the feature index the units were selected with, or nil
// (see Layer.Index), and the shape it indexes.
func (c *Columns) Index() ([]int, []int) {
	return slices.Clone(c.ph.index), slices.Clone(c.ph.sourceShape)
}

// Order returns the order of unit positions in Read.
func (c *Columns) Order() Order {
	if c.ph.version == packVersion2 {
		return c.ph.order
	}
	return C
}

// BlockUnits returns the units per stored block: reads of whole, aligned
// blocks decode nothing twice. A version 1 file has one block of all
// units (and every Read expands the whole file).
func (c *Columns) BlockUnits() int {
	if c.ph.version == packVersion2 {
		return c.ph.unitsPerBlk
	}
	return c.ph.units()
}

// StoredBytes returns the size of the layer file.
func (c *Columns) StoredBytes() int64 {
	n := c.ph.dataOff
	for _, b := range c.ph.blocks {
		n += int64(b.stored)
	}
	return n
}

// Read fills dst with units [u0, u1) (positions in Order()) of every
// image, unit-major: dst[(u-u0)*Rows()+r] is unit u of image r. It
// verifies the checksum of every tile it reads; a version 2 file is read
// one unit block at a time (one sequential read each).
func (c *Columns) Read(ctx context.Context, u0, u1 int, dst []float32) error {
	rows := c.Rows()
	if u0 < 0 || u1 > c.Units() || u0 >= u1 {
		return &Error{File: c.path, Layer: c.ph.name, Err: fmt.Errorf("units [%d, %d) out of range [0, %d)", u0, u1, c.Units())}
	}
	if len(dst) != (u1-u0)*rows {
		panic(fmt.Sprintf("features: Columns.Read: dst holds %d values, want %d", len(dst), (u1-u0)*rows))
	}
	var err error
	if c.ph.version == packVersion2 {
		err = c.read2(ctx, u0, u1, dst)
	} else {
		err = c.read1(ctx, u0, u1, dst)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return &Error{File: c.path, Layer: c.ph.name, Err: err}
	}
	if c.finite {
		return c.checkFinite(u0, dst)
	}
	return nil
}

// checkFinite returns a *NonFiniteError for the first NaN or ±Inf of dst,
// units u0... of every image (unit-major, as Read fills it), counting
// those of dst.
func (c *Columns) checkFinite(u0 int, dst []float32) error {
	rows := c.Rows()
	var e *NonFiniteError
	for k, v := range dst {
		f := float64(v)
		isNaN, isInf := math.IsNaN(f), math.IsInf(f, 0)
		if !isNaN && !isInf {
			continue
		}
		if e == nil {
			e = &NonFiniteError{Layer: c.ph.name, Label: c.ph.labels[k%rows], Unit: u0 + k/rows, Value: v}
		}
		if isNaN {
			e.NaN++
		} else {
			e.Inf++
		}
	}
	if e == nil {
		return nil
	}
	return e
}

func (c *Columns) read2(ctx context.Context, u0, u1 int, dst []float32) error {
	ph := c.ph
	rows, ng := ph.rows(), ph.rowGroups()
	for b := u0 / ph.unitsPerBlk; b*ph.unitsPerBlk < u1; b++ {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		// The unit block's tiles are contiguous: read them at once.
		first, last := ph.blocks[b*ng], ph.blocks[(b+1)*ng-1]
		span := make([]byte, last.off+int64(last.stored)-first.off)
		if _, err := c.f.ReadAt(span, first.off); err != nil {
			return fmt.Errorf("unit block %d: %w", b, err)
		}
		err := parallel(ng, c.work, func(g int) error {
			k := b*ng + g
			t := ph.tile(k)
			s := c.pool.get()
			defer c.pool.put(s)
			vals := s.grow((t.r1 - t.r0) * (t.u1 - t.u0))
			bi := ph.blocks[k]
			if err := ph.expandTo(k, span[bi.off-first.off:bi.off-first.off+int64(bi.stored)], vals); err != nil {
				return err
			}
			w := t.u1 - t.u0
			lo, hi := max(t.u0, u0), min(t.u1, u1)
			for r := t.r0; r < t.r1; r++ {
				src := vals[(r-t.r0)*w : (r-t.r0+1)*w]
				for u := lo; u < hi; u++ {
					dst[(u-u0)*rows+r] = src[u-t.u0]
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// read1 expands a version 1 file's row blocks one at a time.
func (c *Columns) read1(ctx context.Context, u0, u1 int, dst []float32) error {
	ph := c.ph
	rows, units := ph.rows(), ph.units()
	var buf []byte
	var vals []float32
	for k := range ph.blocks {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		r0, n := k*ph.rowsPerBlk, ph.blockRows(k)
		b := ph.blocks[k]
		buf = slices.Grow(buf[:0], b.stored)[:b.stored]
		if _, err := c.f.ReadAt(buf, b.off); err != nil {
			return fmt.Errorf("block %d: %w", k, err)
		}
		if cap(vals) < n*units {
			vals = make([]float32, n*units)
		}
		vals = vals[:n*units]
		if err := ph.expandTo(k, buf, vals); err != nil {
			return err
		}
		for i := range n {
			src := vals[i*units : (i+1)*units]
			for u := u0; u < u1; u++ {
				dst[(u-u0)*rows+r0+i] = src[u]
			}
		}
	}
	return nil
}

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }
