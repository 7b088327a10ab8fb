package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

// testJob writes one output file, out/<key>.txt.
type testJob struct{ key, dir string }

func (j testJob) Key() string { return j.key }
func (j testJob) out() string {
	return filepath.Join(j.dir, "out", filepath.FromSlash(j.key)+".txt")
}
func (j testJob) Outputs() []string { return []string{j.out()} }
func (j testJob) content() string   { return strings.Repeat(j.key+"\n", 50) }

func testJobs(dir string, n int) []Job {
	var list []Job
	for i := range n {
		list = append(list, testJob{key: fmt.Sprintf("decode/net%d/layer%02d/sub-01/V1", i%3, i), dir: dir})
	}
	return list
}

func testOptions(dir string) Options {
	return Options{Dir: filepath.Join(dir, "state"), Lock: fastLock}
}

// recordingFn returns a job function that records each execution in
// dir/exec/<key> created with O_EXCL (a second execution of a job fails and
// leaves dir/dup/<key>), sleeps d, and writes the job's output.
func recordingFn(dir string, d time.Duration) func(context.Context, Job) error {
	return func(ctx context.Context, j Job) error {
		name := strings.ReplaceAll(j.Key(), "/", "_")
		os.MkdirAll(filepath.Join(dir, "exec"), 0o777)
		f, err := os.OpenFile(filepath.Join(dir, "exec", name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
		if err != nil {
			os.MkdirAll(filepath.Join(dir, "dup"), 0o777)
			os.WriteFile(filepath.Join(dir, "dup", fmt.Sprintf("%s-%d", name, os.Getpid())), nil, 0o666)
			return fmt.Errorf("job %s run twice: %w", j.Key(), err)
		}
		fmt.Fprintln(f, os.Getpid())
		f.Close()
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
		tj := j.(testJob)
		return atomicfile.WriteBytes(tj.out(), []byte(tj.content()))
	}
}

// checkAllDone fails unless every job is marked done with verified
// outputs of the right content, and no job ran twice.
func checkAllDone(t *testing.T, dir string, list []Job) {
	t.Helper()
	if dups, _ := os.ReadDir(filepath.Join(dir, "dup")); len(dups) > 0 {
		var names []string
		for _, d := range dups {
			names = append(names, d.Name())
		}
		t.Errorf("jobs run twice: %q", names)
	}
	opts := testOptions(dir)
	for _, j := range list {
		marker, _ := KeyPath(opts.Dir, j.Key(), ".done")
		if err := Verify(marker); err != nil {
			t.Errorf("job %s: %v", j.Key(), err)
		}
		tj := j.(testJob)
		if b, err := os.ReadFile(tj.out()); err != nil || string(b) != tj.content() {
			t.Errorf("job %s: output %d bytes, %v", j.Key(), len(b), err)
		}
	}
	// No lock, claim or temporary file is left behind.
	filepath.WalkDir(opts.Dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".done") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	list := testJobs(dir, 10)
	opts := testOptions(dir)
	var events []Event
	opts.Progress = func(e Event) { events = append(events, e) }
	sum, err := Run(context.Background(), list, opts, recordingFn(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total != 10 || sum.Finished != 10 || sum.Skipped+sum.Failed+sum.Locked != 0 {
		t.Errorf("summary %+v", sum)
	}
	checkAllDone(t, dir, list)
	// One worker: jobs start in key order; Done counts up to Total.
	sorted, _ := Sort(list)
	var started []string
	for i, e := range events {
		if e.Total != 10 {
			t.Fatalf("event %d: %+v", i, e)
		}
		if e.Kind == Started {
			started = append(started, e.Job.Key())
		}
	}
	for i, j := range sorted {
		if started[i] != j.Key() {
			t.Fatalf("started %q, want key order", started)
		}
	}
	if last := events[len(events)-1]; last.Done != 10 || last.Kind != Finished {
		t.Errorf("last event %+v", last)
	}

	// A second run skips everything (recordingFn would fail on a rerun).
	events = nil
	sum, err = Run(context.Background(), list, opts, recordingFn(dir, 0))
	if err != nil || sum.Skipped != 10 || len(events) != 10 {
		t.Fatalf("rerun: %+v, %v, %d events", sum, err, len(events))
	}
}

func TestRunRedoesPartialOutputs(t *testing.T) {
	dir := t.TempDir()
	list := testJobs(dir, 4)
	opts := testOptions(dir)
	write := func(ctx context.Context, j Job) error {
		tj := j.(testJob)
		return atomicfile.WriteBytes(tj.out(), []byte(tj.content()))
	}
	if _, err := Run(context.Background(), list, opts, write); err != nil {
		t.Fatal(err)
	}
	sorted, _ := Sort(list)
	// Job 0: output truncated behind the marker's back.
	os.WriteFile(sorted[0].(testJob).out(), []byte("trunc"), 0o644)
	// Job 1: partial output and no marker (killed before MarkDone).
	m1, _ := KeyPath(opts.Dir, sorted[1].Key(), ".done")
	os.Remove(m1)
	os.WriteFile(sorted[1].(testJob).out(), []byte("partial"), 0o644)
	// Job 2: same-size corruption, caught only with Verify.
	out2 := sorted[2].(testJob).out()
	b, _ := os.ReadFile(out2)
	b[0] ^= 1
	os.WriteFile(out2, b, 0o644)

	var ran []string
	redo := func(ctx context.Context, j Job) error {
		ran = append(ran, j.Key())
		return write(ctx, j)
	}
	if _, err := Run(context.Background(), list, opts, redo); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ran) != fmt.Sprint([]string{sorted[0].Key(), sorted[1].Key()}) {
		t.Errorf("redone %q", ran)
	}
	ran = nil
	opts.Verify = true
	if _, err := Run(context.Background(), list, opts, redo); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ran) != fmt.Sprint([]string{sorted[2].Key()}) {
		t.Errorf("with Verify redone %q", ran)
	}
	checkAllDone(t, dir, list)
}

func TestRunFailures(t *testing.T) {
	dir := t.TempDir()
	list := testJobs(dir, 6)
	sorted, _ := Sort(list)
	bad := map[string]bool{sorted[1].Key(): true, sorted[4].Key(): true}
	opts := testOptions(dir)
	opts.Workers = 3
	sum, err := Run(context.Background(), list, opts, func(ctx context.Context, j Job) error {
		if bad[j.Key()] {
			return errors.New("zero-variance voxel")
		}
		tj := j.(testJob)
		return atomicfile.WriteBytes(tj.out(), []byte(tj.content()))
	})
	if err == nil {
		t.Fatal("no error")
	}
	for k := range bad {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error %q does not name %s", err, k)
		}
	}
	var je *JobError
	if !errors.As(err, &je) || !bad[je.Key] {
		t.Errorf("error %v is not a *JobError of a failed job", err)
	}
	if sum.Failed != 2 || sum.Finished != 4 || fmt.Sprint(sum.FailedKeys) != fmt.Sprint([]string{sorted[1].Key(), sorted[4].Key()}) {
		t.Errorf("summary %+v", sum)
	}
	for k := range bad {
		m, _ := KeyPath(opts.Dir, k, ".done")
		if Done(m) {
			t.Errorf("failed job %s marked done", k)
		}
	}
}

func TestRunCancel(t *testing.T) {
	dir := t.TempDir()
	list := testJobs(dir, 20)
	opts := testOptions(dir)
	opts.Workers = 2
	ctx, cancel := context.WithCancel(context.Background())
	before := runtime.NumGoroutine()
	var started atomic.Int32
	sum, err := Run(ctx, list, opts, func(ctx context.Context, j Job) error {
		if started.Add(1) == 2 {
			cancel()
		}
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if sum.Finished != 0 || started.Load() > 2 {
		t.Errorf("summary %+v, %d started", sum, started.Load())
	}
	// No goroutine outlives Run (allow the runtime a moment to reap).
	for i := 0; runtime.NumGoroutine() > before && i < 100; i++ {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before Run, %d after", before, n)
	}
	// Locks were released: a new run does everything.
	sum, err = Run(context.Background(), list, opts, recordingFn(dir, 0))
	if err != nil || sum.Finished != 20 {
		t.Fatalf("rerun: %+v, %v", sum, err)
	}
}

func TestRunLockLostCancelsJob(t *testing.T) {
	dir := t.TempDir()
	list := testJobs(dir, 1)
	opts := testOptions(dir)
	lockPath, _ := KeyPath(opts.Dir, list[0].Key(), ".lock")
	var thief *Lock
	_, err := Run(context.Background(), list, opts, func(ctx context.Context, j Job) error {
		os.Remove(lockPath) // another worker judged us stale...
		var err error
		if thief, err = TryLock(lockPath, fastLock); err != nil { // ...and took over
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
			return errors.New("lost lock not noticed")
		}
	})
	if !errors.Is(err, ErrLockLost) {
		t.Errorf("err = %v, want ErrLockLost", err)
	}
	if thief != nil {
		thief.Unlock()
	}
}

func TestRunStaleLockReclaimed(t *testing.T) {
	dir := t.TempDir()
	list := testJobs(dir, 3)
	opts := testOptions(dir)
	sorted, _ := Sort(list)
	// Job 0: left locked by a crashed worker on another host.
	p0, _ := KeyPath(opts.Dir, sorted[0].Key(), ".lock")
	writeStaleLock(t, p0, time.Hour)
	// Job 1: held by a live worker that gives up without finishing.
	p1, _ := KeyPath(opts.Dir, sorted[1].Key(), ".lock")
	held, err := TryLock(p1, fastLock)
	if err != nil {
		t.Fatal(err)
	}
	// It gives up once the runner has seen the lock (not after a fixed
	// time, which a loaded machine can outlast before the runner gets
	// there), or after 10 s, when the test fails.
	var release sync.Once
	unlock := func() { release.Do(func() { held.Unlock() }) }
	defer time.AfterFunc(10*time.Second, unlock).Stop()

	opts.Wait = true
	var locked atomic.Int32
	opts.Progress = func(e Event) {
		if e.Kind == Locked && e.Job.Key() == sorted[1].Key() {
			locked.Add(1)
			go unlock()
		}
	}
	sum, err := Run(context.Background(), list, opts, recordingFn(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Finished != 3 || locked.Load() == 0 {
		t.Errorf("summary %+v, %d locked events for the held job", sum, locked.Load())
	}
	checkAllDone(t, dir, list)
}

// TestRunSharedGoroutines runs 2 and 4 runners in one process over one
// directory, with and without shards.
func TestRunSharedGoroutines(t *testing.T) {
	for _, n := range []int{2, 4} {
		for _, sharded := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d-sharded=%v", n, sharded), func(t *testing.T) {
				dir := t.TempDir()
				list := testJobs(dir, 40)
				var wg sync.WaitGroup
				errs := make([]error, n)
				sums := make([]Summary, n)
				for w := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						opts := testOptions(dir)
						opts.Workers = 2
						opts.Wait = true
						if sharded {
							// Shards cover the list; one extra unsharded
							// runner competes with them all.
							opts.Shard = Shard{w, n}
							if w == n-1 {
								opts.Shard = All
							}
						}
						sums[w], errs[w] = Run(context.Background(), list, opts, recordingFn(dir, 2*time.Millisecond))
					}()
				}
				wg.Wait()
				finished := 0
				for w := range n {
					if errs[w] != nil {
						t.Errorf("runner %d: %v", w, errs[w])
					}
					finished += sums[w].Finished
				}
				if finished != len(list) {
					t.Errorf("%d jobs finished in all, want %d", finished, len(list))
				}
				checkAllDone(t, dir, list)
			})
		}
	}
}

// TestRunSharedProcesses runs 2 and 4 worker processes over one directory.
func TestRunSharedProcesses(t *testing.T) {
	for _, n := range []int{2, 4} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			dir := t.TempDir()
			const njobs = 40
			var cmds []*exec.Cmd
			for range n {
				c := helperCmd(t, "run", "DIR="+dir, fmt.Sprintf("NJOBS=%d", njobs), "JOB_TIME=3ms")
				if err := c.Start(); err != nil {
					t.Fatal(err)
				}
				cmds = append(cmds, c)
			}
			for i, c := range cmds {
				if err := c.Wait(); err != nil {
					t.Errorf("worker %d: %v", i, err)
				}
			}
			checkAllDone(t, dir, testJobs(dir, njobs))
			runs := map[string]bool{}
			ents, _ := os.ReadDir(filepath.Join(dir, "exec"))
			for _, e := range ents {
				b, _ := os.ReadFile(filepath.Join(dir, "exec", e.Name()))
				runs[strings.TrimSpace(string(b))] = true
			}
			if len(ents) != njobs {
				t.Errorf("%d executions recorded, want %d", len(ents), njobs)
			}
			t.Logf("%d processes did the work", len(runs))
		})
	}
}

// TestRunKilledWorkerResumed SIGKILLs a worker process mid-run and
// finishes the study with a new run in the same directory.
func TestRunKilledWorkerResumed(t *testing.T) {
	dir := t.TempDir()
	const njobs = 12
	c := helperCmd(t, "run", "DIR="+dir, fmt.Sprintf("NJOBS=%d", njobs), "JOB_TIME=40ms")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once a few jobs have started.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ents, _ := os.ReadDir(filepath.Join(dir, "exec"))
		if len(ents) >= 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.Process.Signal(syscall.SIGKILL)
	c.Wait()

	list := testJobs(dir, njobs)
	opts := testOptions(dir)
	opts.Wait = true
	var redone []string
	sum, err := Run(context.Background(), list, opts, func(ctx context.Context, j Job) error {
		redone = append(redone, j.Key())
		tj := j.(testJob)
		return atomicfile.WriteBytes(tj.out(), []byte(tj.content()))
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped+sum.Finished != njobs || sum.Skipped == 0 {
		t.Errorf("summary %+v", sum)
	}
	os.RemoveAll(filepath.Join(dir, "exec")) // jobs killed mid-run were legitimately redone
	checkAllDone(t, dir, list)
}

// dirJob keeps its marker and lock inside its own output directory.
type dirJob struct{ dir string }

func (j dirJob) Key() string       { return "encode/net/layer/sub-01/V1" }
func (j dirJob) Outputs() []string { return []string{j.dir} }

func TestRunMarkerAndLockInOutputDir(t *testing.T) {
	d := dirJob{filepath.Join(t.TempDir(), "job")}
	opts := Options{
		MarkerPath: func(Job) string { return filepath.Join(d.dir, ".done") },
		LockPath:   func(Job) string { return filepath.Join(d.dir, ".lock") },
		Lock:       fastLock,
	}
	_, err := Run(context.Background(), []Job{d}, opts, func(ctx context.Context, j Job) error {
		return atomicfile.WriteBytes(filepath.Join(d.dir, "W.mat"), []byte("w"))
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadMarker(filepath.Join(d.dir, ".done"))
	if err != nil || len(m.Outputs) != 1 || m.Outputs[0].Path != "W.mat" {
		t.Fatalf("marker %+v, %v", m, err)
	}
	if !Done(filepath.Join(d.dir, ".done")) {
		t.Error("not done")
	}
	assertOnly(t, d.dir, ".done", "W.mat")
}
