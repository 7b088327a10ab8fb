package main

import (
	"testing"

	"github.com/brainhierarchy/bhscore/internal/clitest"
)

// TestRunTinyStudy runs this direction's jobs of the tiny simulated study
// (package sim, seed 1) and compares stdout with the golden file; a second
// run skips every job.
func TestRunTinyStudy(t *testing.T) { clitest.RunTinyStudy(t, run, "testdata/tiny.golden") }
