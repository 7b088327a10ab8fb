package jobs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestCache(t *testing.T) {
	var loads atomic.Int32
	fail := atomic.Bool{}
	// Every value weighs 10 bytes: the budget keeps two.
	c := &Cache[string, string]{Budget: 20, Load: func(ctx context.Context, k string) (string, int64, error) {
		loads.Add(1)
		if fail.Load() {
			return "", 0, errors.New("boom")
		}
		return "v" + k, 10, nil
	}}
	ctx := context.Background()
	// Concurrent Gets of one key share one Load.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.Get(ctx, "conv1"); v != "vconv1" || err != nil {
				t.Error(v, err)
			}
		}()
	}
	wg.Wait()
	if loads.Load() != 1 {
		t.Fatalf("%d loads, want 1", loads.Load())
	}
	c.Get(ctx, "conv2")
	c.Get(ctx, "conv1") // hit; conv2 is now least recent
	c.Get(ctx, "conv3") // evicts conv2
	c.Get(ctx, "conv1") // hit
	if loads.Load() != 3 {
		t.Errorf("%d loads, want 3", loads.Load())
	}
	c.Get(ctx, "conv2")
	if loads.Load() != 4 {
		t.Errorf("%d loads, want 4", loads.Load())
	}
	// Errors are not cached.
	fail.Store(true)
	if _, err := c.Get(ctx, "fc8"); err == nil {
		t.Error("no error")
	}
	fail.Store(false)
	if v, err := c.Get(ctx, "fc8"); v != "vfc8" || err != nil {
		t.Error(v, err)
	}
	if CoresPerJob(0) < 1 || CoresPerJob(1<<20) != 1 {
		t.Error("CoresPerJob")
	}
}
