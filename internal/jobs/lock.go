package jobs

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

// Default lock timings.
const (
	DefaultHeartbeat  = 30 * time.Second
	DefaultStaleAfter = 5 * time.Minute
)

// ErrLocked is returned (wrapped in a *LockedError) by TryLock when the lock
// is held by a live owner.
var ErrLocked = errors.New("jobs: locked by another worker")

// ErrLockLost reports that a held lock was taken over by another worker
// (after this one was judged stale) or removed.
var ErrLockLost = errors.New("jobs: lock lost")

// LockOptions configures TryLock. The zero value is valid.
type LockOptions struct {
	// Heartbeat is how often a held lock is refreshed. Default 30 s.
	Heartbeat time.Duration
	// StaleAfter is the heartbeat age after which a lock is stale and may be
	// reclaimed. It must exceed Heartbeat; default 5 min (or 10 Heartbeats
	// if that is longer).
	StaleAfter time.Duration
	// MaxSkew is how far in the future a heartbeat may lie (clocks of
	// machines sharing a file system disagree a little) before the lock is
	// judged invalid, and so stale: a lock written by a host whose clock
	// ran ahead, or a corrupt time, would otherwise look live for ever.
	// Default StaleAfter.
	MaxSkew time.Duration
	// Host names this machine in lock files; default os.Hostname(). Owners
	// on the same Host (and PID namespace and boot) are checked for
	// liveness by process id.
	Host string
}

func (o LockOptions) withDefaults() (LockOptions, error) {
	if o.Heartbeat == 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.StaleAfter == 0 {
		o.StaleAfter = max(DefaultStaleAfter, 10*o.Heartbeat)
	}
	if o.MaxSkew == 0 {
		o.MaxSkew = o.StaleAfter
	}
	if o.Heartbeat < 0 || o.StaleAfter <= o.Heartbeat {
		return o, fmt.Errorf("jobs: lock options: want 0 < Heartbeat (%v) < StaleAfter (%v)", o.Heartbeat, o.StaleAfter)
	}
	if o.MaxSkew < 0 {
		return o, fmt.Errorf("jobs: lock options: negative MaxSkew %v", o.MaxSkew)
	}
	if o.Host == "" {
		o.Host = hostname()
	}
	return o, nil
}

var hostname = sync.OnceValue(func() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
})

// Owner is the content of a lock file.
type Owner struct {
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	PIDNS     string    `json:"pidns,omitempty"` // PID namespace, e.g. "pid:[4026531836]"
	Boot      string    `json:"boot,omitempty"`  // kernel boot id
	Token     string    `json:"token"`           // random, unique per lock
	Started   time.Time `json:"-"`
	Heartbeat time.Time `json:"-"`
}

// timeLayout has a fixed width, so heartbeats rewrite a lock file in place
// with content of the same length.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

type ownerJSON struct {
	Owner
	Started   string `json:"started"`
	Heartbeat string `json:"heartbeat"`
}

func (o Owner) marshal() []byte {
	b, err := json.Marshal(ownerJSON{o, o.Started.UTC().Format(timeLayout), o.Heartbeat.UTC().Format(timeLayout)})
	if err != nil {
		panic(err) // only strings and ints
	}
	return append(b, '\n')
}

func parseOwner(data []byte) (*Owner, error) {
	var j ownerJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, err
	}
	var err1, err2 error
	j.Owner.Started, err1 = time.Parse(timeLayout, j.Started)
	j.Owner.Heartbeat, err2 = time.Parse(timeLayout, j.Heartbeat)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	return &j.Owner, nil
}

// LockedError describes a lock held by another worker. It matches ErrLocked
// with errors.Is.
type LockedError struct {
	Key   string // the job's key, when Run took the lock for a job
	Path  string
	Owner *Owner        // nil if the lock file could not be parsed
	Age   time.Duration // time since the owner's last heartbeat
}

func (e *LockedError) Error() string {
	return "jobs: " + e.Path + " is locked by " + e.holder()
}

// holder describes the lock's owner and heartbeat.
func (e *LockedError) holder() string {
	who := "another worker"
	if e.Owner != nil {
		who = fmt.Sprintf("host %s pid %d", e.Owner.Host, e.Owner.PID)
	}
	return who + " (" + heartbeatAge(e.Age) + ")"
}

func heartbeatAge(age time.Duration) string {
	if age < 0 {
		return fmt.Sprintf("heartbeat %v in the future", (-age).Round(time.Millisecond))
	}
	return fmt.Sprintf("heartbeat %v ago", age.Round(time.Millisecond))
}

// Is reports whether target is ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Lock is a held lock file. Its methods are safe for concurrent use.
type Lock struct {
	path  string
	f     *os.File
	owner Owner
	opts  LockOptions

	stop     chan struct{}
	done     chan struct{}
	lost     chan struct{}
	lostOnce sync.Once
	mu       sync.Mutex
	released bool
}

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.path }

// Owner returns the lock's owner record (with the latest heartbeat).
func (l *Lock) Owner() Owner {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.owner
}

// Lost returns a channel closed when the heartbeat finds that the lock file
// is no longer this lock's (it was reclaimed by a worker that judged this one
// stale, or removed). Work done under a lost lock may be duplicated.
func (l *Lock) Lost() <-chan struct{} { return l.lost }

func (l *Lock) markLost() { l.lostOnce.Do(func() { close(l.lost) }) }

// TryLock takes the lock file at path, creating its directory, or returns
// an error matching ErrLocked if a live worker holds it. A stale lock (see
// the package documentation) is reclaimed atomically: of several workers
// reclaiming the same stale lock, exactly one succeeds. A held lock is
// refreshed by a goroutine every opts.Heartbeat until Unlock.
func TryLock(path string, opts LockOptions) (*Lock, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, fmt.Errorf("jobs: lock: %w", err)
	}
	var last error
	for range 8 {
		l, err := createLock(path, opts)
		if err == nil {
			return l.clean(), nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		st, err := inspect(path, opts)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("jobs: lock: %w", err)
		}
		if !st.stale {
			return nil, st.lockedError(path)
		}
		l, err = reclaim(path, st, opts)
		if errors.Is(err, errRetry) {
			last = err
			continue
		}
		if err != nil {
			return nil, err
		}
		return l.clean(), nil
	}
	if last == nil {
		last = errRetry
	}
	return nil, &LockedError{Path: path}
}

var errRetry = errors.New("jobs: lock changed; retry")

// lockState is what a reader sees of an existing lock file.
type lockState struct {
	owner *Owner // nil if unparsable
	id    string // the lock's identity: its token, or a hash of its content
	age   time.Duration
	stale bool
}

func (s *lockState) lockedError(path string) error {
	return &LockedError{Path: path, Owner: s.owner, Age: s.age}
}

func inspect(path string, opts LockOptions) (*lockState, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data := make([]byte, 4096)
	n, _ := f.ReadAt(data, 0)
	data = data[:n]
	s := &lockState{}
	hb := info.ModTime()
	if o, err := parseOwner(data); err == nil {
		s.owner = o
		if o.Heartbeat.After(hb) {
			hb = o.Heartbeat
		}
	}
	if s.owner != nil && validToken(s.owner.Token) {
		s.id = s.owner.Token
	} else {
		sum := sha256.Sum256(data)
		s.id = "x" + hex.EncodeToString(sum[:12])
	}
	s.age = time.Since(hb)
	// A heartbeat further in the future than clocks can disagree is
	// invalid: its owner's clock is wrong, or the file is corrupt.
	s.stale = s.age > opts.StaleAfter || s.age < -opts.MaxSkew
	if !s.stale && s.owner != nil && s.owner.Host == opts.Host {
		// Same machine: the owner is gone if the machine rebooted since,
		// or if its process no longer exists in the same PID namespace.
		if s.owner.Boot != "" && bootID() != "" && s.owner.Boot != bootID() {
			s.stale = true
		} else if s.owner.PIDNS == pidNamespace() && processGone(s.owner.PID) {
			s.stale = true
		}
	}
	return s, nil
}

func validToken(t string) bool {
	if len(t) == 0 || len(t) > 64 {
		return false
	}
	for _, c := range t {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// createLock publishes a new lock file at path, or returns an error matching
// fs.ErrExist. The content is written to a temporary file first and linked to
// path, so a lock file is never seen empty or half-written.
func createLock(path string, opts LockOptions) (*Lock, error) {
	now := time.Now()
	owner := Owner{
		Host: opts.Host, PID: os.Getpid(), PIDNS: pidNamespace(), Boot: bootID(),
		Token: randomHex(16), Started: now, Heartbeat: now,
	}
	data := owner.marshal()
	tmp := atomicfile.TempName(path)
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return nil, fmt.Errorf("jobs: lock: %w", err)
	}
	fail := func(err error) (*Lock, error) {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		return fail(fmt.Errorf("jobs: lock: %w", err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("jobs: lock: %w", err))
	}
	if err := os.Link(tmp, path); err != nil {
		switch {
		case errors.Is(err, fs.ErrExist), errors.Is(err, fs.ErrNotExist):
			// ErrNotExist: a holder of the lock removed our temporary
			// file (see clean); the caller inspects the lock and retries.
			return fail(fs.ErrExist)
		case linkCount(f) == 2:
			// NFS: the link succeeded but its reply was lost.
		case linkUnsupported(err):
			f.Close()
			os.Remove(tmp)
			return createLockExcl(path, owner, opts)
		default:
			return fail(fmt.Errorf("jobs: lock: %w", err))
		}
	}
	os.Remove(tmp)
	return startLock(path, f, owner, opts), nil
}

// clean removes what workers killed while taking this lock left beside it
// (temporary files of createLock, claims and stale locks moved aside by
// reclaim), and returns l. Only a new holder of the lock does this: every
// claim then names a lock that is gone (ours has a fresh token). A live
// worker whose file is removed under it retries: its link fails with
// ErrNotExist (createLock), or its lock changed or moved-aside lock is gone
// (reclaim). Failing to remove one is not an error of taking the lock: the
// next holder tries again.
func (l *Lock) clean() *Lock {
	_ = atomicfile.RemoveTempsOf(l.path)
	removeLeftovers(l.path)
	return l
}

// removeLeftovers removes the claims and moved-aside stale locks beside the
// lock file at path.
func removeLeftovers(path string) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if n := e.Name(); strings.HasPrefix(n, base+".stale-") || strings.HasPrefix(n, base+".reclaim-") {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
}

// CleanDone removes what a worker killed while unlocking the lock at path
// of a finished job left beside it: a done job's lock is never taken
// again, so clean would never run. Unlock takes the lock's claim, removes
// the lock file, then the claim; a kill between the steps leaves the claim,
// or the claim and the lock file. The lock file goes only together with
// its own claim (its holder was unlocking: it is dead, or will find its
// lock gone and its job's outcome already decided); a lock file without
// one is left alone (a holder that has not begun to unlock, or a stale
// lock the next holder cleans).
func CleanDone(path string) {
	st, err := inspect(path, LockOptions{})
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return
	default:
		if _, err := os.Lstat(path + ".reclaim-" + st.id); err != nil {
			return
		}
		if removed, err := removeLock(path, st.id, LockOptions{}); err != nil || !removed {
			return
		}
	}
	removeLeftovers(path)
}

// removeLock removes the lock file at path if it is still the lock id: it
// moves the file aside, then checks what it moved and puts back another
// lock (impossible while every remover holds id's claim) if its place is
// still free. It reports whether it removed lock id; err is the move's.
func removeLock(path, id string, opts LockOptions) (bool, error) {
	aside := path + ".stale-" + id + "-" + randomHex(4)
	if err := os.Rename(path, aside); err != nil {
		return false, err
	}
	if moved, err := inspect(aside, opts); err == nil && moved.id != id {
		os.Link(aside, path)
		os.Remove(aside)
		return false, nil
	}
	os.Remove(aside)
	return true, nil
}

// createLockExcl is createLock for file systems without hard links.
func createLockExcl(path string, owner Owner, opts LockOptions) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fs.ErrExist
		}
		return nil, fmt.Errorf("jobs: lock: %w", err)
	}
	if _, err := f.Write(owner.marshal()); err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("jobs: lock: %w", err)
	}
	return startLock(path, f, owner, opts), nil
}

func linkUnsupported(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.ENOTSUP) ||
		errors.Is(err, syscall.ENOSYS) || errors.Is(err, errors.ErrUnsupported)
}

func startLock(path string, f *os.File, owner Owner, opts LockOptions) *Lock {
	l := &Lock{
		path: path, f: f, owner: owner, opts: opts,
		stop: make(chan struct{}), done: make(chan struct{}), lost: make(chan struct{}),
	}
	go l.heartbeat()
	return l
}

func (l *Lock) heartbeat() {
	defer close(l.done)
	t := time.NewTicker(l.opts.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			if err := l.beat(); errors.Is(err, ErrLockLost) {
				l.markLost()
				return
			}
			// Other errors (a file server hiccup) are retried at the next
			// beat; if they last past StaleAfter the lock is reclaimed and
			// the next successful check reports it lost.
		}
	}
}

// beat rewrites the lock through its open file, after checking that the path
// still names this lock's file: writing through the descriptor can never
// touch another worker's lock.
func (l *Lock) beat() error {
	if !l.owns() {
		return ErrLockLost
	}
	l.mu.Lock()
	l.owner.Heartbeat = time.Now()
	data := l.owner.marshal()
	l.mu.Unlock()
	if _, err := l.f.WriteAt(data, 0); err != nil {
		return err
	}
	now := time.Now()
	// Set the mtime explicitly too (NFS servers stamp writes with their own
	// clock); through the path, which at worst touches a live lock.
	os.Chtimes(l.path, now, now)
	return l.f.Sync()
}

func (l *Lock) owns() bool {
	pi, err := os.Stat(l.path)
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist) // transient errors: assume still ours
	}
	fi, err := l.f.Stat()
	if err != nil {
		return true
	}
	return os.SameFile(pi, fi)
}

// Unlock stops the heartbeat and removes the lock file, if it is still this
// lock's. It returns an error matching ErrLockLost if the lock had been
// reclaimed by another worker. Unlock is idempotent.
func (l *Lock) Unlock() error {
	l.mu.Lock()
	if l.released {
		l.mu.Unlock()
		return nil
	}
	l.released = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	defer l.f.Close()
	// Take the same claim a reclaimer would, so that removing our file
	// cannot race with a reclaimer replacing it.
	claim := l.path + ".reclaim-" + l.owner.Token
	cf, err := os.OpenFile(claim, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrExist) {
		l.markLost()
		return fmt.Errorf("jobs: unlock %s: %w (being reclaimed)", l.path, ErrLockLost)
	}
	if err != nil {
		return fmt.Errorf("jobs: unlock: %w", err)
	}
	cf.Close()
	defer os.Remove(claim)
	if !l.owns() {
		l.markLost()
		return fmt.Errorf("jobs: unlock %s: %w", l.path, ErrLockLost)
	}
	if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("jobs: unlock: %w", err)
	}
	return nil
}

// reclaim replaces the stale lock st at path. The claim file
// "<path>.reclaim-<id>", created with O_EXCL, makes this a compare-and-swap
// on the stale lock's identity: only its creator may move that lock aside.
func reclaim(path string, st *lockState, opts LockOptions) (*Lock, error) {
	claim := path + ".reclaim-" + st.id
	cf, err := os.OpenFile(claim, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrExist) {
		// Another worker is reclaiming (or unlocking) it. A claim older
		// than StaleAfter was left by a reclaimer that died in the few
		// milliseconds it holds one: clear it for the next attempt.
		if info, err := os.Stat(claim); err == nil && time.Since(info.ModTime()) > opts.StaleAfter {
			os.Remove(claim)
		}
		return nil, st.lockedError(path)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: lock: %w", err)
	}
	cf.Close()
	defer os.Remove(claim)

	cur, err := inspect(path, opts)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errRetry
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: lock: %w", err)
	}
	if cur.id != st.id {
		return nil, errRetry
	}
	if !cur.stale {
		return nil, cur.lockedError(path)
	}
	if removed, err := removeLock(path, st.id, opts); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errRetry
		}
		return nil, fmt.Errorf("jobs: lock: %w", err)
	} else if !removed {
		return nil, errRetry
	}
	l, err := createLock(path, opts)
	if errors.Is(err, fs.ErrExist) {
		return nil, errRetry
	}
	return l, err
}

// ReadOwner reads the owner record of the lock file at path.
func ReadOwner(path string) (*Owner, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("jobs: lock: %w", err)
	}
	o, err := parseOwner(data)
	if err != nil {
		return nil, fmt.Errorf("jobs: lock %s: %w", path, err)
	}
	return o, nil
}

var bootID = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
})

var pidNamespace = sync.OnceValue(func() string {
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return ns
})
