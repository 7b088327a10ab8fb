// Command pack turns a bdpy feature directory (<root>/<layer>/<stem>.mat)
// into a packed store (one checksummed, LZ4-compressed file per layer) that
// loads many times faster. Interrupted runs resume.
//
//	pack -in features/ImageNetTraining/pytorch/AlexNet -out packed/AlexNet
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/brainhierarchy/bhscore/cli"
	"github.com/brainhierarchy/bhscore/features"
)

func main() { os.Exit(run(os.Stdout, os.Stderr, os.Args[1:])) }

func run(stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("pack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "bdpy feature directory of one network (required)")
	out := fs.String("out", "", "packed store directory to write (required)")
	index := fs.String("index", "", "optional feature-index file selecting units per layer")
	quiet := fs.Bool("q", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if *in == "" || *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: pack -in FEATURE_DIR -out PACKED_DIR [-index FILE]")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	src, err := features.OpenDir(*in, &features.DirOptions{IndexFile: *index})
	if err != nil {
		fmt.Fprintln(stderr, "pack:", err)
		return 1
	}
	var bar *cli.Bar
	if !*quiet {
		bar = cli.NewBar(stderr, "packing")
	}
	skipped := 0
	err = features.Pack(ctx, src, *out, &features.PackOptions{Progress: func(layer string, done, total int, skip bool) {
		if skip {
			skipped++
		}
		bar.Set(done, total, layer)
	}})
	bar.Done()
	if err != nil {
		fmt.Fprintln(stderr, "pack:", err)
		return 1
	}
	fmt.Fprintf(stdout, "packed %d layers x %d images into %s (%d already packed)\n", len(src.Layers()), len(src.Labels()), *out, skipped)
	return 0
}
