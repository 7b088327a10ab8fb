package jobs

import (
	"container/list"
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

// DefaultCacheBytes is the budget of a Cache whose Budget is zero.
const DefaultCacheBytes = 2 << 30

// Cache is a byte-bounded least-recently-used store of loaded inputs shared
// by a worker's jobs: each key is loaded at most once at a time (concurrent
// Gets of a key share one Load). Jobs in Run's key order meet the same
// network layer consecutively, so a layer's features are loaded once per
// worker for all its subjects and ROIs. When the loaded values exceed
// Budget, the least recently used ones are dropped (never the one just
// loaded); a value dropped while a job still uses it stays alive until that
// job lets go of it. A failed Load is not cached.
//
// A Cache is safe for concurrent use; its zero value is not usable: set
// Load.
type Cache[K comparable, V any] struct {
	// Budget bounds the summed sizes of the values kept, in bytes (0:
	// DefaultCacheBytes).
	Budget int64
	// Load computes the value of a key and its size in bytes.
	Load func(ctx context.Context, key K) (V, int64, error)

	mu    sync.Mutex
	used  int64
	lru   *list.List // of *cacheEntry, most recent first
	byKey map[K]*list.Element
}

type cacheEntry[K comparable, V any] struct {
	key    K
	ready  chan struct{}
	val    V
	size   int64
	err    error
	loaded bool // accounted in used (guarded by the Cache's mu)
}

// Get returns the value of key, loading it if needed. A Get waiting for
// another goroutine's Load returns early if ctx is done.
func (c *Cache[K, V]) Get(ctx context.Context, key K) (V, error) {
	c.mu.Lock()
	if c.byKey == nil {
		c.lru, c.byKey = list.New(), map[K]*list.Element{}
	}
	if el, ok := c.byKey[key]; ok {
		c.lru.MoveToFront(el)
		e := el.Value.(*cacheEntry[K, V])
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
	e := &cacheEntry[K, V]{key: key, ready: make(chan struct{})}
	el := c.lru.PushFront(e)
	c.byKey[key] = el
	c.mu.Unlock()

	e.val, e.size, e.err = c.Load(ctx, key)
	c.mu.Lock()
	if cur, ok := c.byKey[key]; ok && cur == el {
		if e.err != nil {
			c.lru.Remove(el)
			delete(c.byKey, key)
		} else {
			e.loaded = true
			c.used += e.size
			c.evict(el)
		}
	}
	c.mu.Unlock()
	close(e.ready)
	return e.val, e.err
}

// evict drops least recently used loaded entries beyond the budget, never
// keep (the entry just loaded). Entries still loading are not accounted
// and stay.
func (c *Cache[K, V]) evict(keep *list.Element) {
	budget := c.Budget
	if budget <= 0 {
		budget = DefaultCacheBytes
	}
	for el := c.lru.Back(); el != nil && c.used > budget; {
		prev := el.Prev()
		e := el.Value.(*cacheEntry[K, V])
		if el != keep && e.loaded {
			c.lru.Remove(el)
			delete(c.byKey, e.key)
			c.used -= e.size
		}
		el = prev
	}
}
