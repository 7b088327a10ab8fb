package fastl2lir

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// forEach runs f(0), …, f(n-1) on at most workers goroutines and stops
// starting new calls once ctx is done or a call failed. The decomposition
// into calls is fixed by the caller, never by workers, so results do not
// depend on the number of workers.
func forEach(ctx context.Context, workers, n int, f func(i int) error) error {
	if n == 0 {
		return ctx.Err()
	}
	if workers <= 1 || n == 1 {
		for i := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			return f(i)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// pool hands out per-worker scratch values, creating at most one per
// concurrently running call.
type pool[S any] struct {
	ch  chan *S
	new func() *S
}

func newPool[S any](workers int, mk func() *S) *pool[S] {
	return &pool[S]{ch: make(chan *S, workers), new: mk}
}

func (p *pool[S]) get() *S {
	select {
	case s := <-p.ch:
		return s
	default:
		return p.new()
	}
}

func (p *pool[S]) put(s *S) {
	select {
	case p.ch <- s:
	default:
	}
}

// tile is a rectangular block [i0,i1)×[j0,j1) of an output matrix.
type tile struct{ i0, i1, j0, j1 int }

// tiles splits an r×c matrix into blocks of size bs; with lower set, only
// blocks that intersect the lower triangle (j0 <= i0 for square tiling).
func tiles(r, c, bs int, lower bool) []tile {
	var ts []tile
	for i0 := 0; i0 < r; i0 += bs {
		for j0 := 0; j0 < c; j0 += bs {
			if lower && j0 > i0 {
				break
			}
			ts = append(ts, tile{i0, min(i0+bs, r), j0, min(j0+bs, c)})
		}
	}
	return ts
}
