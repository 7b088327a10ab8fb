package jobs

import (
	"context"
	"runtime"
	"sync"
)

// CoresPerJob returns how many solver workers each of jobWorkers concurrent
// jobs should use so that together they keep GOMAXPROCS cores busy without
// oversubscribing them: GOMAXPROCS/jobWorkers, at least 1.
func CoresPerJob(jobWorkers int) int {
	if jobWorkers < 1 {
		jobWorkers = 1
	}
	return max(1, runtime.GOMAXPROCS(0)/jobWorkers)
}

// Cache keeps the values of the Size most recently used keys, loading each
// at most once at a time: concurrent Gets of a key share one Load. Jobs in
// Run's key order meet the same network layer consecutively, so a Cache of
// layer features with Size 1 or 2 loads each layer once per worker for all
// its subjects and ROIs. Values evicted while a job still uses them stay
// alive until that job drops them, so memory peaks at Size plus the number
// of concurrent jobs values. A failed Load is not cached. A Cache is safe
// for concurrent use; its zero value is not usable: set Load.
type Cache[K comparable, V any] struct {
	// Size is the number of values kept; 0 means 1.
	Size int
	// Load computes the value of a key.
	Load func(ctx context.Context, key K) (V, error)

	mu      sync.Mutex
	entries map[K]*cacheEntry[V]
	order   []K // least recently used first
}

type cacheEntry[V any] struct {
	ready chan struct{}
	val   V
	err   error
}

// Get returns the value of key, loading it if needed. A Get waiting for
// another goroutine's Load returns early if ctx is done.
func (c *Cache[K, V]) Get(ctx context.Context, key K) (V, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[K]*cacheEntry[V]{}
	}
	e, ok := c.entries[key]
	if ok {
		c.touch(key)
		c.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
		if e.err != nil {
			// The loader failed (and dropped the entry): load again.
			return c.Get(ctx, key)
		}
		return e.val, nil
	}
	e = &cacheEntry[V]{ready: make(chan struct{})}
	c.entries[key] = e
	c.touch(key)
	c.evict()
	c.mu.Unlock()

	e.val, e.err = c.Load(ctx, key)
	if e.err != nil {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
			c.remove(key)
		}
		c.mu.Unlock()
	}
	close(e.ready)
	return e.val, e.err
}

func (c *Cache[K, V]) touch(key K) {
	c.remove(key)
	c.order = append(c.order, key)
}

func (c *Cache[K, V]) remove(key K) {
	for i, k := range c.order {
		if k == key {
			c.order = append(c.order[:i], c.order[i+1:]...)
			return
		}
	}
}

func (c *Cache[K, V]) evict() {
	size := max(c.Size, 1)
	for len(c.order) > size {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}
