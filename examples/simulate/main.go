// Command simulate writes a simulated brain-hierarchy-score study (fMRI of
// 3 subjects, features of 3 DNNs with a known hierarchy, settings.json,
// configs and truth.json) in the original file formats.
//
//	simulate -out DIR [-size tiny|default|paper|alexnet|vgg-conv1] [-seed N] [-workers N] [-q] [-images DIR]
//
// With -images it also renders a PNG stimulus per image (DIR/<set>/<stem>.png)
// to try feature extraction (examples/extract) on the simulated study.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/brainhierarchy/bhscore/cli"
	"github.com/brainhierarchy/bhscore/sim"
)

func main() { os.Exit(run(os.Stdout, os.Stderr, os.Args[1:])) }

func run(stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "study directory to write (required)")
	size := fs.String("size", "default", "study size: tiny, default, paper, alexnet (full-size AlexNet) or vgg-conv1 (VGG-16 conv1_1 and head)")
	seed := fs.Uint64("seed", 1, "random seed")
	workers := fs.Int("workers", 0, "parallel writers (0: all cores)")
	quiet := fs.Bool("q", false, "no progress bar")
	images := fs.String("images", "", "also render a PNG stimulus per image into `DIR`/<set>/<stem>.png")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: simulate -out DIR [-size tiny|default|paper|alexnet|vgg-conv1] [-seed N]\n\nWrites a simulated study with a known hierarchy in the original formats.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	sz, err := sim.ParseSize(*size)
	if err != nil {
		fmt.Fprintln(stderr, "simulate:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o := &sim.WriteOptions{Workers: *workers}
	var bar *cli.Bar
	if !*quiet {
		bar = cli.NewBar(stderr, "writing")
		o.Progress = func(done, total int) { bar.Set(done, total, "files") }
	}
	s, err := sim.Generate(ctx, *out, sz, *seed, o)
	bar.Done()
	if err != nil {
		fmt.Fprintln(stderr, "simulate:", err)
		return 1
	}
	summary(stdout, s, *out)
	if *images != "" {
		if err := writeImages(ctx, s, *images); err != nil {
			fmt.Fprintln(stderr, "simulate:", err)
			return 1
		}
		fmt.Fprintf(stdout, "stimulus images: %s/{%s,%s}/<stem>.png\n", filepath.Clean(*images), sim.TrainSet, sim.TestSet)
	}
	return 0
}

func summary(w io.Writer, s *sim.Study, dir string) {
	fmt.Fprintf(w, "simulated study (size %s, seed %d) in %s\n", s.Size, s.Seed, filepath.Clean(dir))
	fmt.Fprintf(w, "training: %d images x %d repetitions; test: %d images x %d repetitions\n",
		len(s.Train.Stems), s.Train.Reps, len(s.Test.Stems), s.Test.Reps)
	for _, sub := range s.Subjects {
		fmt.Fprintf(w, "%s voxels:", sub.Name)
		for i, r := range s.ROIs {
			fmt.Fprintf(w, " %s %d", r, sub.Voxels[i])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%-8s %-16s %-5s %-13s %s\n", "DNN", "dir", "mat", "ideal score", "layers (units, centre)")
	for _, n := range s.Nets {
		fmt.Fprintf(w, "%-8s %-16s %-5s %+13.3f", n.Name, n.Dir(), n.Format, n.Ideal)
		for _, l := range n.Layers {
			fmt.Fprintf(w, " %s(%d, %.2f)", l.Name, l.Units(), l.Centre)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "expected ranking: %v\n", s.Truth().Ranking)
	fmt.Fprintf(w, "files: %d (settings.json, truth.json, study.yaml, configs/, fmri/, features/)\n", s.Files())
}
