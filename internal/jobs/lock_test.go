package jobs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Short timings keep the tests fast; StaleAfter is many heartbeats so that
// a loaded CI machine does not make a live lock look stale.
var fastLock = LockOptions{Heartbeat: 20 * time.Millisecond, StaleAfter: time.Second}

func TestLockBasic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "job.lock")
	l, err := TryLock(path, fastLock)
	if err != nil {
		t.Fatal(err)
	}
	o, err := ReadOwner(path)
	if err != nil {
		t.Fatal(err)
	}
	if o.PID != os.Getpid() || o.Host == "" || o.Token == "" {
		t.Errorf("owner %+v", o)
	}
	_, err = TryLock(path, fastLock)
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.Owner == nil || le.Owner.PID != os.Getpid() {
		t.Fatalf("second TryLock: %v", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the lock", err)
	}
	// Heartbeats keep a held lock fresh well past StaleAfter.
	time.Sleep(3 * fastLock.StaleAfter / 2)
	if _, err := TryLock(path, fastLock); !errors.Is(err, ErrLocked) {
		t.Fatalf("TryLock after StaleAfter of a live lock: %v", err)
	}
	if o2, _ := ReadOwner(path); !o2.Heartbeat.After(o.Heartbeat) {
		t.Errorf("heartbeat not refreshed: %v then %v", o.Heartbeat, o2.Heartbeat)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal("second Unlock:", err)
	}
	assertOnly(t, filepath.Dir(path))
	l2, err := TryLock(path, fastLock)
	if err != nil {
		t.Fatal("TryLock after Unlock:", err)
	}
	l2.Unlock()
	if _, err := TryLock(path, LockOptions{Heartbeat: time.Second, StaleAfter: time.Second}); err == nil {
		t.Error("StaleAfter <= Heartbeat accepted")
	}
}

// assertOnly fails if dir holds files other than names (no leftover
// temporary, claim or stale files).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if fmt.Sprint(got) != fmt.Sprint(names) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

// writeStaleLock writes a lock owned by another host whose last heartbeat
// was age ago.
func writeStaleLock(t *testing.T, path string, age time.Duration) {
	t.Helper()
	then := time.Now().Add(-age)
	o := Owner{Host: "elsewhere.example", PID: 4242, Token: randomHex(16), Started: then, Heartbeat: then}
	os.MkdirAll(filepath.Dir(path), 0o777)
	if err := os.WriteFile(path, o.marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, then, then)
}

func TestLockOldHeartbeatReclaimed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job.lock")
	// Fresh foreign lock: held.
	writeStaleLock(t, path, 0)
	if _, err := TryLock(path, fastLock); !errors.Is(err, ErrLocked) {
		t.Fatalf("fresh foreign lock: %v", err)
	}
	// Old foreign lock: reclaimed.
	writeStaleLock(t, path, time.Hour)
	l, err := TryLock(path, fastLock)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := ReadOwner(path); o.PID != os.Getpid() {
		t.Errorf("owner after reclaim: %+v", o)
	}
	l.Unlock()
	assertOnly(t, dir)

	// A corrupt or empty lock file is judged by its mtime.
	os.WriteFile(path, nil, 0o644)
	if _, err := TryLock(path, fastLock); !errors.Is(err, ErrLocked) {
		t.Fatalf("fresh empty lock: %v", err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path, old, old)
	l, err = TryLock(path, fastLock)
	if err != nil {
		t.Fatal("old empty lock:", err)
	}
	l.Unlock()
}

func TestLockConcurrentReclaimersOneWins(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job.lock")
	for round := range 30 {
		writeStaleLock(t, path, time.Hour)
		const n = 12
		var wg sync.WaitGroup
		var won atomic.Int32
		locks := make(chan *Lock, n)
		start := make(chan struct{})
		// The planted lock is an hour old; a long StaleAfter keeps a
		// winner whose heartbeat is delayed on a loaded machine (e.g.
		// under -race) from being reclaimed legitimately by the others.
		opts := LockOptions{Heartbeat: fastLock.Heartbeat, StaleAfter: time.Minute}
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				l, err := TryLock(path, opts)
				if err == nil {
					won.Add(1)
					locks <- l
				} else if !errors.Is(err, ErrLocked) {
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		close(locks)
		if won.Load() != 1 {
			t.Fatalf("round %d: %d reclaimers won", round, won.Load())
		}
		for l := range locks {
			if err := l.Unlock(); err != nil {
				t.Fatal(err)
			}
		}
		assertOnly(t, dir)
	}
}

func TestLockReclaimersAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job.lock")
	writeStaleLock(t, path, 3*time.Hour) // the helpers' StaleAfter is 2 h
	start := time.Now().Add(time.Second)
	until := start.Add(time.Second)
	const n = 4
	outs := make([]bytes.Buffer, n)
	var cmds []*exec.Cmd
	for i := range n {
		c := helperCmd(t, "reclaim", "LOCK="+path,
			"START="+strconv.FormatInt(start.UnixNano(), 10), "HOLD_UNTIL="+strconv.FormatInt(until.UnixNano(), 10))
		c.Stdout = &outs[i]
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	won := 0
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper %d: %v", i, err)
		}
		out := outs[i].String()
		if strings.HasPrefix(out, "won") {
			won++
		} else if !strings.Contains(out, "locked by") {
			t.Errorf("helper %d: %q", i, out)
		}
	}
	if won != 1 {
		t.Fatalf("%d processes won the stale lock", won)
	}
	if time.Now().After(until) {
		// All attempts happened while the winner still held the lock only
		// if the helpers started in time.
		t.Logf("helpers finished late; attempts may not all have overlapped")
	}
	assertOnly(t, dir)
}

func TestLockKilledOwnerReclaimed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job.lock")
	cmd := helperCmd(t, "hold", "LOCK="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	line := waitLine(t, sc, "locked")
	// Long StaleAfter: only the owner's death can make the lock stale.
	opts := LockOptions{Heartbeat: time.Hour, StaleAfter: 2 * time.Hour}
	if _, err := TryLock(path, opts); !errors.Is(err, ErrLocked) {
		t.Fatalf("lock of a live process (%s): %v", line, err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait() // reap it: a zombie still answers kill(pid, 0)
	l, err := TryLock(path, opts)
	if err != nil {
		t.Fatalf("lock of a SIGKILLed process not reclaimed: %v", err)
	}
	if o, _ := ReadOwner(path); o.PID != os.Getpid() {
		t.Errorf("owner %+v", o)
	}
	l.Unlock()
	assertOnly(t, dir)
}

func TestLockLost(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job.lock")
	l, err := TryLock(path, fastLock)
	if err != nil {
		t.Fatal(err)
	}
	// Another worker judged us stale and replaced the lock.
	os.Remove(path)
	l2, err := TryLock(path, fastLock)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("lost lock not detected")
	}
	if err := l.Unlock(); !errors.Is(err, ErrLockLost) {
		t.Errorf("Unlock of a lost lock = %v, want ErrLockLost", err)
	}
	// The new owner's lock survives the old owner's Unlock.
	if o, err := ReadOwner(path); err != nil || o.Token != l2.Owner().Token {
		t.Errorf("new owner's lock disturbed: %+v, %v", o, err)
	}
	l2.Unlock()
	assertOnly(t, dir)
}

// TestLockCleansAfterKilledTakers: a worker killed while taking a lock
// leaves its temporary lock file (between create and link) or a stale
// lock moved aside or its claim (in reclaim). The next holder removes
// them, and nothing else.
func TestLockCleansAfterKilledTakers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job.lock")
	left := []string{
		"." + "job.lock" + ".tmp-4242-0123456789abcdef",
		"job.lock.stale-0123abcd-beef",
		"job.lock.reclaim-0123abcd",
	}
	keep := []string{".other.lock.tmp-4242-0123456789abcdef", "job.lockx.stale-1-2"}
	for _, n := range append(left, keep...) {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := TryLock(path, fastLock)
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	assertOnly(t, dir, keep...)
}

// TestLockTakersRace has goroutines take and release one lock as fast as
// they can. Each holder removes temporary lock files beside the lock,
// including those of takers about to link theirs: such a taker must see
// the lock as held (or retry), never fail with another error.
func TestLockTakersRace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job.lock")
	var wg sync.WaitGroup
	var held, busy atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 150 {
				l, err := TryLock(path, fastLock)
				if errors.Is(err, ErrLocked) {
					busy.Add(1)
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				held.Add(1)
				l.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d taken, %d found held", held.Load(), busy.Load())
	if held.Load() == 0 {
		t.Error("no taker got the lock")
	}
	assertOnly(t, dir)
}

// TestLockFutureHeartbeatReclaimed checks that a lock whose heartbeat lies
// further in the future than MaxSkew (a host with a wrong clock, a corrupt
// time) is invalid and reclaimed, while one within the margin is held.
func TestLockFutureHeartbeatReclaimed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job.lock")
	writeStaleLock(t, path, -fastLock.StaleAfter/4) // within the default margin
	_, err := TryLock(path, fastLock)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("heartbeat slightly ahead: %v, want held", err)
	}
	if !strings.Contains(err.Error(), "in the future") || !strings.Contains(err.Error(), "elsewhere.example") {
		t.Errorf("error %q does not say the heartbeat is in the future", err)
	}
	writeStaleLock(t, path, -time.Hour)
	l, err := TryLock(path, fastLock)
	if err != nil {
		t.Fatalf("heartbeat an hour ahead: %v, want reclaimed", err)
	}
	l.Unlock()
	writeStaleLock(t, path, -time.Hour)
	if _, err := TryLock(path, LockOptions{Heartbeat: fastLock.Heartbeat, StaleAfter: fastLock.StaleAfter, MaxSkew: 2 * time.Hour}); !errors.Is(err, ErrLocked) {
		t.Errorf("heartbeat an hour ahead, MaxSkew 2h: %v, want held", err)
	}
}

// TestCleanDone: a worker killed while unlocking a finished job, after
// removing the lock file, leaves its claim; nobody takes that lock again,
// so CleanDone removes it, and nothing while the lock file exists.
func TestCleanDone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job.lock")
	claim := "job.lock.reclaim-0123abcd"
	keep := []string{"job.lockx.reclaim-1", "other.lock.reclaim-2"}
	for _, n := range append([]string{claim, "job.lock"}, keep...) {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	CleanDone(path) // the lock file exists: its holder is still unlocking
	assertOnly(t, dir, append([]string{"job.lock", claim}, keep...)...)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	CleanDone(path)
	assertOnly(t, dir, keep...)

	// A worker killed in Unlock between taking its claim and removing its
	// lock file: both go, though the lock is not stale yet.
	writeStaleLock(t, path, 0)
	o, err := ReadOwner(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".reclaim-"+o.Token, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	CleanDone(path)
	assertOnly(t, dir, keep...)

	// A live holder still unlocking loses nothing: its Unlock finds the
	// lock gone and leaves no file behind.
	l, err := TryLock(path, fastLock)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".reclaim-"+l.owner.Token, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	CleanDone(path)
	assertOnly(t, dir, keep...)
	if err := l.Unlock(); !errors.Is(err, ErrLockLost) {
		t.Errorf("Unlock after CleanDone: %v, want ErrLockLost", err)
	}
	assertOnly(t, dir, keep...)
}
