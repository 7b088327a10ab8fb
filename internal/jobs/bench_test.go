package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkTryLockUnlock measures taking and releasing one lock file.
func BenchmarkTryLockUnlock(b *testing.B) {
	path := filepath.Join(b.TempDir(), "job.lock")
	b.ReportAllocs()
	for b.Loop() {
		l, err := TryLock(path, LockOptions{})
		if err != nil {
			b.Fatal(err)
		}
		l.Unlock()
	}
}

// BenchmarkRun measures Run's overhead per job (lock, marker of one small
// output, unlock) for an empty job, and per skipped job on a rerun.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{100} {
		b.Run(fmt.Sprintf("run/jobs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				dir, _ := os.MkdirTemp(b.TempDir(), "run")
				list := testJobs(dir, n)
				b.StartTimer()
				if _, err := Run(context.Background(), list, testOptions(dir), writeFn); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/job")
		})
		b.Run(fmt.Sprintf("skip/jobs=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			list := testJobs(dir, n)
			if _, err := Run(context.Background(), list, testOptions(dir), writeFn); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(context.Background(), list, testOptions(dir), writeFn); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/job")
		})
	}
}

func writeFn(ctx context.Context, j Job) error {
	tj := j.(testJob)
	os.MkdirAll(filepath.Dir(tj.out()), 0o777)
	return os.WriteFile(tj.out(), []byte(tj.content()), 0o666)
}
