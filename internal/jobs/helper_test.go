package jobs

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests re-execute the test binary as worker processes: with
// helperEnv set, TestHelperProcess runs the mode it names and exits.
const helperEnv = "BHSCORE_JOBS_HELPER"

// helperCmd returns a command running the test binary in helper mode.
func helperCmd(t *testing.T, mode string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + mode}, env...)...)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for other tests")
	}
	err := runHelper(mode)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func envDuration(name string) time.Duration {
	d, err := time.ParseDuration(os.Getenv(name))
	if err != nil {
		panic(name + ": " + err.Error())
	}
	return d
}

func runHelper(mode string) error {
	switch mode {
	case "hold":
		// Take a lock, say so, and hold it until killed.
		l, err := TryLock(os.Getenv("LOCK"), LockOptions{Heartbeat: time.Hour, StaleAfter: 2 * time.Hour})
		if err != nil {
			return err
		}
		fmt.Println("locked", l.Owner().PID)
		time.Sleep(time.Minute)
		return nil
	case "reclaim":
		// At START (unix ns), try once to take LOCK; print the outcome and
		// hold a won lock until HOLD_UNTIL.
		start, _ := strconv.ParseInt(os.Getenv("START"), 10, 64)
		until, _ := strconv.ParseInt(os.Getenv("HOLD_UNTIL"), 10, 64)
		time.Sleep(time.Until(time.Unix(0, start)))
		l, err := TryLock(os.Getenv("LOCK"), LockOptions{Heartbeat: time.Hour, StaleAfter: 2 * time.Hour})
		if err != nil {
			fmt.Println("lost", err)
			return nil
		}
		fmt.Println("won")
		time.Sleep(time.Until(time.Unix(0, until)))
		return l.Unlock()
	case "run":
		// Run the shared test job list in DIR, recording executions.
		n, _ := strconv.Atoi(os.Getenv("NJOBS"))
		opts := testOptions(os.Getenv("DIR"))
		opts.Workers = 2
		opts.Wait = true
		if s := os.Getenv("SHARD"); s != "" {
			sh, err := ParseShard(s)
			if err != nil {
				return err
			}
			opts.Shard = sh
		}
		jobs := testJobs(os.Getenv("DIR"), n)
		fmt.Println("ready")
		_, err := Run(context.Background(), jobs, opts, recordingFn(os.Getenv("DIR"), envDuration("JOB_TIME")))
		return err
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// waitLine reads lines from the command's stdout until one starts with
// prefix.
func waitLine(t *testing.T, sc *bufio.Scanner, prefix string) string {
	t.Helper()
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			return sc.Text()
		}
	}
	t.Fatalf("helper ended before printing %q: %v", prefix, sc.Err())
	return ""
}
