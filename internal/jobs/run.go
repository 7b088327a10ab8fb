package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/brainhierarchy/bhscore/provenance"
)

// Options configures Run. The zero value needs only Dir (or both path
// functions).
type Options struct {
	// Shard selects this worker's part of the sorted list; the zero value
	// selects all jobs.
	Shard Shard

	// Workers is the number of jobs run at once. 0 means 1: jobs are
	// coarse and each job's solver already uses every core, so run more at
	// once only for small jobs (and give each fewer solver workers).
	Workers int

	// Dir holds the lock files and done markers: for a job with key
	// "a/b/c", Dir/a/b/c.lock and Dir/a/b/c.done. Workers sharing an output
	// directory must use the same Dir.
	Dir string
	// MarkerPath and LockPath, if set, override the paths derived from Dir.
	MarkerPath func(Job) string
	LockPath   func(Job) string

	// Lock configures the lock files (heartbeat, staleness).
	Lock LockOptions

	// Verify makes Run recompute the SHA-256 of a finished job's outputs
	// before skipping it, instead of only checking their sizes.
	Verify bool

	// Wait makes Run, after its pass over the list, wait for jobs locked by
	// other workers, polling every Lock.Heartbeat, and run any that the
	// other worker released unfinished or left stale. Without Wait such jobs
	// are reported Locked and left to their holder.
	Wait bool

	// Fingerprint, if not nil, returns what a job's outputs are computed
	// from (see package provenance); Run calls it once per job, before
	// checking the job. A job is then done only if its marker records an
	// equal fingerprint: a finished job with another fingerprint, or with
	// none (a marker of an older version), is stale, and Run removes its
	// outputs (RemoveOutputs) and runs it again, saying why
	// (Event.Reasons, Summary.Redone). An error fails the job.
	Fingerprint func(Job) (*provenance.Fingerprint, error)
	// KeepStale, if not nil, names outputs of a stale job that Run leaves
	// in place (the job function checks and replaces them itself, e.g. a
	// model directory with a fingerprint of its own); path is as the
	// marker's directory joined with the recorded path.
	KeepStale func(j Job, path string) bool

	// Progress, if not nil, receives events. Calls are serialised and Done
	// never decreases, so Progress needs no locking of its own; it must not
	// block for long.
	Progress func(Event)
}

// EventKind says what happened to a job.
type EventKind int

// Event kinds.
const (
	Started  EventKind = iota + 1 // the job function is about to be called
	Finished                      // the job function succeeded and the job is marked done
	Skipped                       // the job was already done
	Locked                        // another live worker holds the job's lock
	Failed                        // the job function, locking or marking failed (Err)
)

func (k EventKind) String() string {
	switch k {
	case Started:
		return "started"
	case Finished:
		return "finished"
	case Skipped:
		return "skipped"
	case Locked:
		return "locked"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is a progress report from Run.
type Event struct {
	Kind EventKind
	Job  Job
	Err  error // for Failed (a *JobError) and Locked (matches ErrLocked)
	// Done counts this shard's jobs that have reached an outcome (finished,
	// skipped, failed, or locked when not waiting); Total is the shard's
	// job count.
	Done, Total int
	// Elapsed is the job function's run time, for Finished and Failed.
	Elapsed time.Duration
	// Reasons, for Started, says why a job that was done is run again
	// (its outputs are stale or damaged); nil for a job never finished.
	Reasons []string
}

// Summary counts the outcomes of Run over the shard's jobs.
type Summary struct {
	Total    int // jobs in the shard
	Finished int // run and marked done by this call
	Skipped  int // already done
	Locked   int // held by other workers when Run returned
	Failed   int // failed or cancelled
	// FailedKeys lists the keys of failed jobs, sorted.
	FailedKeys []string
	// Held lists, by key, the locks other workers held on this shard's
	// jobs when Run returned (Locked of them); see HeldError.
	Held []*LockedError
	// Redone lists, by key, the jobs that were done but were run again
	// by this call, and why.
	Redone []Redo
}

// Redo is a finished job that was run again, and why: the differences
// between its recorded and its current fingerprint, or damaged outputs.
type Redo struct {
	Key     string
	Reasons []string
}

// ErrHeld is matched by the error of Summary.HeldError.
var ErrHeld = errors.New("jobs held by other workers")

// HeldError reports jobs left undone because other workers hold their
// locks. It matches ErrHeld with errors.Is.
type HeldError struct {
	Held []*LockedError // by key
}

// maxListed bounds the jobs an error message lists one by one.
const maxListed = 10

func (e *HeldError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "jobs: %d %s held by other workers:", len(e.Held), plural(len(e.Held), "job", "jobs"))
	for i, l := range e.Held {
		if i == maxListed {
			fmt.Fprintf(&b, " and %d more", len(e.Held)-maxListed)
			break
		}
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, " %s (lock %s, %s)", l.Key, l.Path, l.holder())
	}
	return b.String()
}

// Is reports whether target is ErrHeld.
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// HeldError returns a *HeldError naming every lock in s.Held, or nil if
// no job was held by another worker.
func (s Summary) HeldError() error {
	if len(s.Held) == 0 {
		return nil
	}
	return &HeldError{Held: s.Held}
}

// JobError is the error of one failed job.
type JobError struct {
	Key string
	Err error
}

func (e *JobError) Error() string { return "jobs: job " + e.Key + ": " + e.Err.Error() }
func (e *JobError) Unwrap() error { return e.Err }

// Run runs the jobs of list that belong to opts.Shard and are not done, in
// key order, at most opts.Workers at a time, calling fn for each with a
// context that is cancelled if ctx is or if the job's lock is lost. A job
// whose fn returns nil is marked done, recording the files its Outputs
// method names if it implements Outputter. A failed job does not stop the
// others; the returned error joins a *JobError for each failed job, and
// ctx's error if Run was cancelled. Run returns when every job has an
// outcome and every goroutine it started has ended.
//
// Before calling fn, Run removes the job's (incomplete) done marker, so a
// marker never coexists with outputs being rewritten. fn should write each
// output with package atomicfile; it may find partial or temporary files of
// an earlier killed run and must overwrite them.
func Run(ctx context.Context, list []Job, opts Options, fn func(context.Context, Job) error) (Summary, error) {
	sorted, err := Sort(list)
	if err != nil {
		return Summary{}, err
	}
	if err := opts.Shard.Validate(); err != nil {
		return Summary{}, err
	}
	if _, err := opts.Lock.withDefaults(); err != nil {
		return Summary{}, err
	}
	mine := opts.Shard.Select(sorted)
	r := &runner{opts: opts, fn: fn, sum: Summary{Total: len(mine)}}
	r.tasks = make([]task, len(mine))
	for i, j := range mine {
		t := task{job: j}
		if opts.MarkerPath != nil {
			t.marker = opts.MarkerPath(j)
		} else if t.marker, err = r.keyPath(j, ".done"); err != nil {
			return Summary{}, err
		}
		if opts.LockPath != nil {
			t.lock = opts.LockPath(j)
		} else if t.lock, err = r.keyPath(j, ".lock"); err != nil {
			return Summary{}, err
		}
		if t.marker == "" || t.lock == "" || t.marker == t.lock {
			return Summary{}, fmt.Errorf("jobs: job %s: empty or equal marker and lock paths", j.Key())
		}
		r.tasks[i] = t
	}

	pending := make([]int, len(r.tasks))
	for i := range pending {
		pending[i] = i
	}
	poll := opts.Lock.Heartbeat
	if poll <= 0 {
		poll = DefaultHeartbeat
	}
	for {
		locked := r.pass(ctx, pending)
		if !opts.Wait || len(locked) == 0 || ctx.Err() != nil {
			r.sum.Locked = len(locked)
			for _, i := range locked {
				t := &r.tasks[i]
				var le *LockedError
				if errors.As(t.lockErr, &le) {
					held := *le
					held.Key = t.job.Key()
					t.held = &held
				} else {
					t.held = &LockedError{Key: t.job.Key(), Path: t.lock}
				}
			}
			if opts.Wait {
				for _, i := range locked {
					r.emit(Event{Kind: Locked, Job: r.tasks[i].job, Err: r.tasks[i].lockErr}, true)
				}
			}
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
		pending = locked
	}

	var errs []error
	for i := range r.tasks {
		t := &r.tasks[i]
		if t.held != nil {
			r.sum.Held = append(r.sum.Held, t.held)
		}
		if t.err != nil {
			errs = append(errs, t.err)
			r.sum.FailedKeys = append(r.sum.FailedKeys, t.job.Key())
		}
	}
	r.sum.Failed = len(errs)
	slices.SortFunc(r.sum.Redone, func(a, b Redo) int { return strings.Compare(a.Key, b.Key) })
	if err := ctx.Err(); err != nil {
		return r.sum, errors.Join(append([]error{fmt.Errorf("jobs: run cancelled: %w", context.Cause(ctx))}, errs...)...)
	}
	if len(errs) > 0 {
		return r.sum, fmt.Errorf("jobs: %d of %d jobs failed: %w", len(errs), len(r.tasks), errors.Join(errs...))
	}
	return r.sum, nil
}

type task struct {
	job          Job
	marker, lock string
	fp           *provenance.Fingerprint
	fpDone       bool         // fp computed (it is nil without Options.Fingerprint)
	err          error        // *JobError if failed
	lockErr      error        // last ErrLocked
	held         *LockedError // the lock that kept the job undone
	reasons      []string     // why a done job is run again
}

type runner struct {
	opts  Options
	fn    func(context.Context, Job) error
	tasks []task

	mu   sync.Mutex // guards sum, done and Progress calls
	sum  Summary
	done int
}

func (r *runner) keyPath(j Job, suffix string) (string, error) {
	if r.opts.Dir == "" {
		return "", fmt.Errorf("jobs: Options.Dir is empty and no MarkerPath/LockPath given")
	}
	return KeyPath(r.opts.Dir, j.Key(), suffix)
}

// emit reports ev; final marks the job's outcome (incrementing Done).
func (r *runner) emit(ev Event, final bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if final {
		r.done++
		switch ev.Kind {
		case Finished:
			r.sum.Finished++
		case Skipped:
			r.sum.Skipped++
		}
	}
	if r.opts.Progress != nil {
		ev.Done, ev.Total = r.done, len(r.tasks)
		r.opts.Progress(ev)
	}
}

// pass runs one round over the tasks at indices idx and returns the indices
// of those found locked by other workers.
func (r *runner) pass(ctx context.Context, idx []int) []int {
	workers := r.opts.Workers
	if workers < 1 {
		workers = 1
	}
	var g errgroup.Group
	g.SetLimit(workers)
	locked := make([]bool, len(idx))
	for n, i := range idx {
		if ctx.Err() != nil {
			break
		}
		t := &r.tasks[i]
		g.Go(func() error {
			locked[n] = r.one(ctx, t)
			return nil
		})
	}
	g.Wait()
	var out []int
	for n, l := range locked {
		if l {
			out = append(out, idx[n])
		}
	}
	return out
}

// status reports whether t is done; if not, reasons says why a job that was
// done is not any more (nil for a job never finished).
func (r *runner) status(t *task) (done bool, reasons []string) {
	var err error
	switch {
	case r.opts.Fingerprint != nil:
		err = CheckFingerprint(t.marker, t.fp, r.opts.Verify)
	case r.opts.Verify:
		err = Verify(t.marker)
	default:
		err = CheckDone(t.marker)
	}
	var se *StaleError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &se):
		return false, se.Reasons
	case errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrIncomplete):
		return false, nil // no marker
	case errors.Is(err, ErrIncomplete):
		return false, []string{"outputs missing or changed since the job finished"}
	}
	return false, []string{"unreadable done marker"}
}

// one handles a task and reports whether it was locked by another worker.
func (r *runner) one(ctx context.Context, t *task) (locked bool) {
	if ctx.Err() != nil {
		return false
	}
	fail := func(err error, elapsed time.Duration) {
		t.err = &JobError{Key: t.job.Key(), Err: err}
		r.emit(Event{Kind: Failed, Job: t.job, Err: t.err, Elapsed: elapsed}, true)
	}
	if r.opts.Fingerprint != nil && !t.fpDone {
		fp, err := r.opts.Fingerprint(t.job)
		if err != nil {
			fail(fmt.Errorf("fingerprint: %w", err), 0)
			return false
		}
		if fp == nil {
			fp = &provenance.Fingerprint{}
		}
		t.fp, t.fpDone = fp, true
	}
	if done, _ := r.status(t); done {
		CleanDone(t.lock)
		r.emit(Event{Kind: Skipped, Job: t.job}, true)
		return false
	}
	l, err := TryLock(t.lock, r.opts.Lock)
	if errors.Is(err, ErrLocked) {
		t.lockErr = err
		r.emit(Event{Kind: Locked, Job: t.job, Err: err}, !r.opts.Wait)
		return true
	}
	if err != nil {
		fail(err, 0)
		return false
	}
	// Errors from Unlock are ignored: the job's outcome is already decided,
	// and a lock that could not be removed goes stale.
	defer l.Unlock()
	done, reasons := r.status(t)
	if done { // finished by another worker since the first check
		r.emit(Event{Kind: Skipped, Job: t.job}, true)
		return false
	}
	t.reasons = reasons
	if reasons != nil {
		// Stale or damaged: no output of what it was computed from
		// must survive beside the new ones.
		var keep func(string) bool
		if r.opts.KeepStale != nil {
			keep = func(p string) bool { return r.opts.KeepStale(t.job, p) }
		}
		if err := removeOutputs(t.marker, keep); err != nil {
			fail(fmt.Errorf("removing stale outputs: %w", err), 0)
			return false
		}
	}
	if err := os.Remove(t.marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
		fail(fmt.Errorf("removing incomplete marker: %w", err), 0)
		return false
	}

	jctx, cancel := context.WithCancelCause(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-l.Lost():
			cancel(ErrLockLost)
		case <-jctx.Done():
		}
	}()
	r.emit(Event{Kind: Started, Job: t.job, Reasons: t.reasons}, false)
	start := time.Now()
	err = r.fn(jctx, t.job)
	elapsed := time.Since(start)
	lost := context.Cause(jctx) == ErrLockLost
	cancel(nil)
	<-watched
	if lost {
		if err == nil {
			err = ErrLockLost
		} else {
			err = fmt.Errorf("%w: %w", ErrLockLost, err)
		}
	}
	if err == nil {
		var outs []string
		if o, ok := t.job.(Outputter); ok {
			outs = o.Outputs()
		}
		if err = markDone(t.marker, outs, t.fp, t.lock); err != nil {
			err = fmt.Errorf("marking done: %w", err)
		}
	}
	if err != nil {
		fail(err, elapsed)
		return false
	}
	if t.reasons != nil {
		r.mu.Lock()
		r.sum.Redone = append(r.sum.Redone, Redo{Key: t.job.Key(), Reasons: t.reasons})
		r.mu.Unlock()
	}
	r.emit(Event{Kind: Finished, Job: t.job, Elapsed: elapsed}, true)
	return false
}
