package jobs

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// FailureGroup is a set of failed jobs that share a cause, so that a
// thousand jobs failing for one reason (a full disk, a missing input tree)
// are reported once, with a count.
type FailureGroup struct {
	// Cause is the message of the innermost error the jobs' errors wrap,
	// e.g. "no space left on device".
	Cause string
	// Keys lists the jobs, sorted.
	Keys []string
	// First is the full error of the first job (by key).
	First error
}

// GroupFailures groups the *JobError values joined in err (as Run returns
// them) by their root cause: the innermost wrapped error (of several
// wrapped side by side, the last). Groups are ordered by size, largest
// first, then by first key. Errors that are not *JobError are grouped by
// their own root cause, without keys.
func GroupFailures(err error) []FailureGroup {
	var all []error
	var collect func(error)
	collect = func(e error) {
		if je, ok := e.(*JobError); ok {
			all = append(all, je)
			return
		}
		if u, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range u.Unwrap() {
				collect(x)
			}
			return
		}
		if u := errors.Unwrap(e); u != nil && containsJobError(u) {
			collect(u) // a wrapper of Run's error
			return
		}
		all = append(all, e)
	}
	if err != nil {
		collect(err)
	}
	byCause := map[string]*FailureGroup{}
	var groups []*FailureGroup
	for _, e := range all {
		c := RootCause(e).Error()
		g, ok := byCause[c]
		if !ok {
			g = &FailureGroup{Cause: c, First: e}
			byCause[c] = g
			groups = append(groups, g)
		}
		var je *JobError
		if errors.As(e, &je) {
			g.Keys = append(g.Keys, je.Key)
			if g.First != e && je.Key < firstKey(g.First) {
				g.First = e
			}
		}
	}
	out := make([]FailureGroup, len(groups))
	for i, g := range groups {
		slices.Sort(g.Keys)
		out[i] = *g
	}
	slices.SortStableFunc(out, func(a, b FailureGroup) int {
		if c := cmp.Compare(len(b.Keys), len(a.Keys)); c != 0 {
			return c
		}
		return strings.Compare(firstOf(a.Keys), firstOf(b.Keys))
	})
	return out
}

func containsJobError(err error) bool {
	var je *JobError
	return errors.As(err, &je)
}

func firstKey(err error) string {
	var je *JobError
	if errors.As(err, &je) {
		return je.Key
	}
	return ""
}

func firstOf(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// RootCause returns the innermost error err wraps: following Unwrap, and of
// several errors wrapped side by side the last (fmt.Errorf("%w: %w",
// ErrLockLost, cause) gives cause).
func RootCause(err error) error {
	for {
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			list := u.Unwrap()
			if len(list) == 0 {
				return err
			}
			err = list[len(list)-1]
		case interface{ Unwrap() error }:
			next := u.Unwrap()
			if next == nil {
				return err
			}
			err = next
		default:
			return err
		}
	}
}

// FormatFailures describes the failures in err one group per line: a group
// of one job gives its full error; a larger group its count, cause, first
// job's full error and the other keys (at most a few). Use it instead of
// err.Error() where many jobs may fail for the same reason.
func FormatFailures(err error) string {
	var b strings.Builder
	for i, g := range GroupFailures(err) {
		if i > 0 {
			b.WriteByte('\n')
		}
		if len(g.Keys) <= 1 {
			b.WriteString(g.First.Error())
			continue
		}
		fmt.Fprintf(&b, "%d jobs failed: %s\n  first: %v\n  jobs: %s", len(g.Keys), g.Cause, g.First, listKeys(g.Keys))
	}
	return b.String()
}

func listKeys(keys []string) string {
	if len(keys) <= maxListed {
		return strings.Join(keys, ", ")
	}
	return strings.Join(keys[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(keys)-maxListed)
}
