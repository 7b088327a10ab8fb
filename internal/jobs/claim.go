package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/brainhierarchy/bhscore/provenance"
)

// ErrConflict is matched by the error of ClaimConfig when a live worker with
// another configuration writes the same outputs.
var ErrConflict = errors.New("output in use by a run with another configuration")

// ConflictError names the worker and configuration that hold an output
// directory. It matches ErrConflict with errors.Is.
type ConflictError struct {
	Dir          string        // the claims directory
	Mine, Theirs string        // configuration sums (provenance.Fingerprint.Sum)
	Owner        *Owner        // the other worker, nil if its claim is unreadable
	Age          time.Duration // since its last heartbeat
	// Reasons lists how the other configuration differs from this one,
	// when its description is on file (provenance.Diff of theirs and ours).
	Reasons []string
}

func (e *ConflictError) Error() string {
	who := "another worker"
	if e.Owner != nil {
		who = fmt.Sprintf("host %s pid %d", e.Owner.Host, e.Owner.PID)
	}
	s := fmt.Sprintf("jobs: %s: %v: %s (%s) runs configuration %.12s, this run has %.12s", e.Dir, ErrConflict, who, heartbeatAge(e.Age), e.Theirs, e.Mine)
	if len(e.Reasons) > 0 {
		s += "; differences (this run -> that run): " + strings.Join(e.Reasons, "; ")
	}
	return s
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Claim is a worker's claim on an output directory for one configuration,
// refreshed by a heartbeat like a lock; release it with Release.
type Claim struct {
	lock *Lock
	dir  string
	sum  string
}

// Lost returns a channel closed if the claim was judged stale and removed
// by another worker (this worker stalled for longer than StaleAfter).
func (c *Claim) Lost() <-chan struct{} { return c.lock.Lost() }

// Sum returns the claimed configuration's sum.
func (c *Claim) Sum() string { return c.sum }

// claim file names: <sum>.<token>.claim; the configuration's description:
// <sum>.json; the mutex serialising check-and-claim: claims.lock.
const (
	claimSuffix = ".claim"
	claimsMutex = "claims.lock"
)

// ClaimConfig claims the output whose claims directory is dir (e.g.
// <output>/.bhscore/claims) for the configuration cfg, so that two runs
// with different configurations never write one output tree at once.
// Workers with the same configuration (cfg.Sum()) share it: sharded
// workers cooperate. If a live worker holds a claim for another
// configuration, ClaimConfig returns a *ConflictError naming it and what
// differs. Claims of workers that died are stale by the rules of locks
// (LockOptions) and are removed.
//
// Checking and claiming happen under a short-lived lock (dir/claims.lock),
// so of two workers with different configurations starting together, the
// second refuses. A run that finds the directory claimed by a finished or
// dead run's configuration proceeds: a changed configuration is then
// handled job by job through fingerprints (Options.Fingerprint).
func ClaimConfig(ctx context.Context, dir string, cfg *provenance.Fingerprint, opts LockOptions) (*Claim, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	sum := cfg.Sum()
	if err := provenance.WriteFile(filepath.Join(dir, sum+".json"), cfg); err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	mu, err := lockWait(ctx, filepath.Join(dir, claimsMutex), opts)
	if err != nil {
		return nil, err
	}
	defer mu.Unlock()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		theirs, _, ok := parseClaimName(name)
		if !ok {
			continue
		}
		p := filepath.Join(dir, name)
		st, err := inspect(p, opts)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("jobs: claim: %w", err)
		}
		if st.stale {
			// Its owner died (or stalled past StaleAfter: its heartbeat
			// will find the claim gone). Removing it needs no
			// compare-and-swap: claims are only removed under the mutex,
			// and by their owner.
			os.Remove(p)
			continue
		}
		if theirs == sum {
			continue
		}
		ce := &ConflictError{Dir: dir, Mine: sum, Theirs: theirs, Owner: st.owner, Age: st.age}
		if other, err := provenance.ReadFile(filepath.Join(dir, theirs+".json")); err == nil {
			ce.Reasons = provenance.Diff(cfg, other)
		}
		return nil, ce
	}
	l, err := TryLock(filepath.Join(dir, sum+"."+randomHex(8)+claimSuffix), opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	return &Claim{lock: l, dir: dir, sum: sum}, nil
}

func parseClaimName(name string) (sum, token string, ok bool) {
	base, ok := strings.CutSuffix(name, claimSuffix)
	if !ok {
		return "", "", false
	}
	sum, token, ok = strings.Cut(base, ".")
	return sum, token, ok && sum != "" && token != "" && !strings.Contains(token, ".")
}

// Release gives up the claim. The configuration's description is removed
// when no other claim uses it. Release is idempotent.
func (c *Claim) Release() error {
	err := c.lock.Unlock()
	if errors.Is(err, ErrLockLost) {
		err = nil // removed as stale by another worker: released anyway
	}
	if mu, merr := TryLock(filepath.Join(c.dir, claimsMutex), c.lock.opts); merr == nil {
		defer mu.Unlock()
		sweep(c.dir, c.lock.opts)
	}
	return err
}

// sweep removes the stale claims in dir and the configuration descriptions
// no claim uses any more. The caller holds the claims mutex.
func sweep(dir string, opts LockOptions) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	used := map[string]bool{}
	for _, e := range ents {
		s, _, ok := parseClaimName(e.Name())
		if !ok {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if st, err := inspect(p, opts); err == nil && st.stale {
			os.Remove(p)
			continue
		}
		used[s] = true
	}
	for _, e := range ents {
		if s, ok := strings.CutSuffix(e.Name(), ".json"); ok && !used[s] {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// lockWait takes the lock at path, waiting while another worker holds it
// (it is held for milliseconds; a dead holder's goes stale).
func lockWait(ctx context.Context, path string, opts LockOptions) (*Lock, error) {
	delay := time.Millisecond
	for {
		l, err := TryLock(path, opts)
		if !errors.Is(err, ErrLocked) {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("jobs: waiting for %s: %w", path, context.Cause(ctx))
		case <-time.After(delay):
		}
		delay = min(2*delay, opts.Heartbeat)
	}
}
