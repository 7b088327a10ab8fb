package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/provenance"
)

// TestRunFingerprint checks that a job is reused only with the fingerprint
// it was computed from: a changed parameter or a marker without a
// fingerprint makes Run remove its old outputs and redo it, saying why.
func TestRunFingerprint(t *testing.T) {
	dir := t.TempDir()
	list := testJobs(dir, 4)
	sorted, _ := Sort(list)
	alpha := map[string]string{}
	for _, j := range list {
		alpha[j.Key()] = "100"
	}
	opts := testOptions(dir)
	opts.Fingerprint = func(j Job) (*provenance.Fingerprint, error) {
		var fp provenance.Fingerprint
		fp.Set("alpha", alpha[j.Key()])
		return &fp, nil
	}
	var ran []string
	var reasons [][]string
	opts.Progress = func(e Event) {
		if e.Kind == Started {
			ran = append(ran, e.Job.Key())
			reasons = append(reasons, e.Reasons)
		}
	}
	write := func(extra bool) func(context.Context, Job) error {
		return func(ctx context.Context, j Job) error {
			tj := asTestJob(j)
			if extra { // an output the next configuration does not write
				atomicfile.WriteBytes(tj.out()+".extra", []byte("old"))
			}
			return atomicfile.WriteBytes(tj.out(), []byte(tj.content()))
		}
	}
	withExtra := func() []Job {
		var l []Job
		for _, j := range list {
			l = append(l, extraOut{j.(testJob)})
		}
		return l
	}
	if _, err := Run(context.Background(), withExtra(), opts, write(true)); err != nil {
		t.Fatal(err)
	}
	if len(ran) != 4 || reasons[0] != nil {
		t.Fatalf("first run: ran %q, reasons %q", ran, reasons)
	}
	m0, _ := KeyPath(opts.Dir, sorted[0].Key(), ".done")
	if m, err := ReadMarker(m0); err != nil || m.Fingerprint == nil {
		t.Fatalf("marker %v, %v: want a fingerprint", m, err)
	}

	// Unchanged: skipped.
	ran, reasons = nil, nil
	if sum, err := Run(context.Background(), list, opts, write(false)); err != nil || sum.Skipped != 4 || len(ran) != 0 {
		t.Fatalf("unchanged rerun: %+v, %v, ran %q", sum, err, ran)
	}

	// Job 1's alpha changed: redone, its old extra output removed.
	alpha[sorted[1].Key()] = "1e+06"
	sum, err := Run(context.Background(), list, opts, write(false))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"alpha 100 -> 1e+06"}
	if !slices.Equal(ran, []string{sorted[1].Key()}) || !slices.Equal(reasons[0], want) {
		t.Errorf("after alpha change ran %q because %q", ran, reasons)
	}
	if len(sum.Redone) != 1 || sum.Redone[0].Key != sorted[1].Key() || !slices.Equal(sum.Redone[0].Reasons, want) {
		t.Errorf("Summary.Redone = %+v", sum.Redone)
	}
	if _, err := os.Stat(sorted[1].(testJob).out() + ".extra"); !os.IsNotExist(err) {
		t.Errorf("stale output of the old configuration survives: %v", err)
	}
	if _, err := os.Stat(sorted[0].(testJob).out() + ".extra"); err != nil {
		t.Errorf("output of an unchanged job removed: %v", err)
	}

	// A marker written without a fingerprint (an older bhscore) is stale.
	if err := MarkDone(m0, []string{sorted[0].(testJob).out()}, nil); err != nil {
		t.Fatal(err)
	}
	ran, reasons = nil, nil
	if _, err := Run(context.Background(), list, opts, write(false)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ran, []string{sorted[0].Key()}) || len(reasons[0]) != 1 || !strings.Contains(reasons[0][0], "no fingerprint") {
		t.Errorf("old marker: ran %q because %q", ran, reasons)
	}

	// A fingerprint that cannot be computed (missing input) fails the job.
	opts.Fingerprint = func(j Job) (*provenance.Fingerprint, error) {
		return nil, errors.New("training features /x: no such file or directory")
	}
	sum, err = Run(context.Background(), list, opts, write(false))
	if sum.Failed != 4 || err == nil || !strings.Contains(err.Error(), "fingerprint: training features /x") {
		t.Errorf("fingerprint error: %+v, %v", sum, err)
	}
}

func asTestJob(j Job) testJob {
	if e, ok := j.(extraOut); ok {
		return e.testJob
	}
	return j.(testJob)
}

// extraOut is a testJob whose outputs include out().extra when present.
type extraOut struct{ testJob }

func (j extraOut) Outputs() []string {
	outs := []string{j.out()}
	if _, err := os.Stat(j.out() + ".extra"); err == nil {
		outs = append(outs, j.out()+".extra")
	}
	return outs
}

// TestRunHeldSurvey checks that jobs left undone because another worker
// holds their locks are named, with the lock, host, pid and heartbeat.
func TestRunHeldSurvey(t *testing.T) {
	dir := t.TempDir()
	list := testJobs(dir, 3)
	sorted, _ := Sort(list)
	opts := testOptions(dir)
	lp, _ := KeyPath(opts.Dir, sorted[2].Key(), ".lock")
	writeStaleLock(t, lp, 0) // live, on another host
	sum, err := Run(context.Background(), list, opts, recordingFn(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Locked != 1 || len(sum.Held) != 1 || sum.Held[0].Key != sorted[2].Key() {
		t.Fatalf("summary %+v", sum)
	}
	herr := sum.HeldError()
	if !errors.Is(herr, ErrHeld) {
		t.Fatalf("HeldError() = %v, want ErrHeld", herr)
	}
	for _, s := range []string{"1 job held by other workers", sorted[2].Key(), lp, "elsewhere.example", "pid 4242", "heartbeat"} {
		if !strings.Contains(herr.Error(), s) {
			t.Errorf("%q does not mention %q", herr, s)
		}
	}
	os.Remove(lp)
	sum, _ = Run(context.Background(), list, opts, recordingFn(dir, 0))
	if sum.HeldError() != nil {
		t.Errorf("nothing held: %v", sum.HeldError())
	}
}

// TestGroupFailures checks that many jobs failing for one reason are
// reported once with a count.
func TestGroupFailures(t *testing.T) {
	dir := t.TempDir()
	list := testJobs(dir, 7)
	opts := testOptions(dir)
	_, err := Run(context.Background(), list, opts, func(ctx context.Context, j Job) error {
		if strings.Contains(j.Key(), "layer06") {
			return errors.New("label mismatch")
		}
		path := filepath.Join(dir, "out", strings.ReplaceAll(j.Key(), "/", "_")+".mat")
		return fmt.Errorf("h5: create %s: %w", path, &os.PathError{Op: "write", Path: path, Err: syscall.ENOSPC})
	})
	groups := GroupFailures(fmt.Errorf("bhscore: analyses: %w", err))
	if len(groups) != 2 || len(groups[0].Keys) != 6 || groups[0].Cause != "no space left on device" || len(groups[1].Keys) != 1 {
		t.Fatalf("groups %+v", groups)
	}
	msg := FormatFailures(err)
	if !strings.Contains(msg, "6 jobs failed: no space left on device") || strings.Count(msg, "no space left") != 2 || !strings.Contains(msg, "label mismatch") {
		t.Errorf("FormatFailures:\n%s", msg)
	}
}

func fpWith(alpha string) *provenance.Fingerprint {
	var fp provenance.Fingerprint
	fp.Set("alpha", alpha)
	return &fp
}

// TestClaimConfig checks that workers of one configuration share an output
// while a worker of another configuration is refused, with the difference.
func TestClaimConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "claims")
	ctx := context.Background()
	a1, err := ClaimConfig(ctx, dir, fpWith("100"), fastLock)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := ClaimConfig(ctx, dir, fpWith("100"), fastLock)
	if err != nil {
		t.Fatalf("second worker, same configuration: %v", err)
	}
	_, err = ClaimConfig(ctx, dir, fpWith("1e+06"), fastLock)
	var ce *ConflictError
	if !errors.Is(err, ErrConflict) || !errors.As(err, &ce) || !strings.Contains(err.Error(), "alpha 1e+06 -> 100") || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("other configuration: %v, want a conflict naming alpha", err)
	}
	a1.Release()
	if _, err := ClaimConfig(ctx, dir, fpWith("1e+06"), fastLock); !errors.Is(err, ErrConflict) {
		t.Fatalf("one worker of the first configuration left: %v", err)
	}
	if err := a2.Release(); err != nil {
		t.Fatal(err)
	}
	b, err := ClaimConfig(ctx, dir, fpWith("1e+06"), fastLock)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	b.Release()
	assertOnly(t, dir)

	// A dead worker's claim (another host, old heartbeat) does not block.
	writeStaleLock(t, filepath.Join(dir, fpWith("7").Sum()+".abcd"+claimSuffix), time.Hour)
	c, err := ClaimConfig(ctx, dir, fpWith("100"), fastLock)
	if err != nil {
		t.Fatalf("stale claim: %v", err)
	}
	c.Release()
	assertOnly(t, dir)
}
