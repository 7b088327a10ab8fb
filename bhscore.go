// Package bhscore computes the brain hierarchy (BH) score of deep neural
// networks (Nonaka, Majima, Aoki & Kamitani 2021, iScience 24:103013) as the
// published Python analysis does (KamitaniLab/BHscore, bdpy, PyFastL2LiR),
// reading and writing the same files.
//
// This package is the front door: it runs a whole study (Run), scores
// accuracy trees, the study's own or published ones (ScoreTrees), and
// reads and writes the study's design (Design, the notebook's
// settings.json). Everything else lives in the package it belongs to:
//
//	package      what it holds
//	analysis     study config (native YAML, original BHscore configs), the job
//	             list, shards, the resumable job runner (analysis.Run)
//	fmri         BData files: selectors, labels, trials, averaging per image
//	features     DNN feature stores: bdpy directories (.mat) and packed stores
//	decode       one feature decoder (fMRI -> units) and its accuracy
//	encode       one encoder (units -> fMRI), the mirror image
//	fastl2lir    the ridge solver with per-target input selection
//	bdmodel      a trained model's directory (W, b, statistics, info.yaml)
//	stats        normalisation and profile correlation both directions share
//	hierarchy    the BH score: top ROIs, significance, Spearman, layer selection
//	report       score tables (JSON, CSV, text), ranking, the published scores
//	figures      the paper's Figure 3 and Figure S1 (gonum/plot)
//	sim          a simulated study with a known hierarchy, in real file formats
//	provenance   fingerprints of what each job and report was computed from
//	cli          what the example binaries share: flags, progress bars
//
// Data flow, each arrow also from files on disk (so a study can start at any
// stage with files the Python tools wrote):
//
//	fmri + features -> decode / encode (fastl2lir inside, bdmodel on disk)
//	    -> accuracy trees (decoding_accuracy/, encoding_accuracy/)
//	    -> hierarchy (ScoreTrees) -> report -> figures
//
// A study from a config:
//
//	cfg, err := analysis.LoadConfig("", "study.yaml")
//	rep, err := bhscore.Run(ctx, cfg, nil, nil) // analyses, settings.json, scores
//	err = rep.WriteTable(os.Stdout)
//
// Scoring published accuracy trees (the paper's Figure 3):
//
//	d, err := bhscore.LoadDesign("settings.json")
//	rep, err := bhscore.ScoreTrees(ctx, d, "decoding_accuracy/ImageNetTest",
//	        "encoding_accuracy/ImageNetTest", nil)
//
// Importing this package does not link a plotting library; package figures
// does.
package bhscore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/hierarchy"
	"github.com/brainhierarchy/bhscore/report"
)

// ErrIncomplete is returned (wrapped) by Run when jobs of the study are not
// done: other shards still running or failed (the study is scored by
// whichever worker finishes last, or by ScoreTrees), or this run's jobs held
// by other workers (the error then also matches analysis.ErrHeld and names
// each lock).
var ErrIncomplete = errors.New("bhscore: study incomplete")

// Run runs the analyses of a study (analysis.Run with ao) and, when every
// job of the whole study is done, writes the study's Design to
// <output>/settings.json and scores its accuracy trees (ScoreTrees with so).
// The config and the scoring options are validated before any job runs; the
// output directory is claimed for cfg's configuration (analysis.Claim) from
// the first job to the report. When jobs remain it returns an error
// wrapping ErrIncomplete.
func Run(ctx context.Context, cfg *analysis.Config, ao *analysis.Options, so *ScoreOptions) (*report.Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bhscore: config: %w", err)
	}
	if err := so.Validate(); err != nil {
		return nil, fmt.Errorf("bhscore: scoring options: %w", err)
	}
	release, err := analysis.Claim(ctx, cfg, ao)
	if err != nil {
		return nil, err
	}
	defer release()
	sum, err := analysis.Run(ctx, cfg, ao)
	if err != nil {
		return nil, err
	}
	if sum.Remaining > 0 {
		return nil, incomplete(cfg, ao, sum)
	}
	d := DesignOf(cfg)
	if err := d.Save(filepath.Join(cfg.Output, "settings.json")); err != nil {
		return nil, err
	}
	var roots [2]string
	for i, dir := range []analysis.Direction{analysis.Decoding, analysis.Encoding} {
		if (dir == analysis.Decoding && cfg.Decoding.Skip) || (dir == analysis.Encoding && cfg.Encoding.Skip) {
			continue
		}
		if roots[i], err = cfg.AccuracyTree(dir); err != nil {
			return nil, fmt.Errorf("bhscore: %w", err)
		}
	}
	so, err = textbookNTest(cfg, so)
	if err != nil {
		return nil, err
	}
	rep, err := ScoreTrees(ctx, d, roots[0], roots[1], so)
	if err != nil {
		return nil, err
	}
	recs, err := analysis.Records(cfg, ao)
	if err != nil {
		return nil, fmt.Errorf("bhscore: provenance: %w", err)
	}
	for i := range rep.DNNs {
		if r := recs[rep.DNNs[i].Name]; r != nil {
			rep.DNNs[i].Provenance = &report.NetworkProvenance{Fingerprint: r.Fingerprint, Params: r.Params, Inputs: r.Inputs}
		}
	}
	return rep, nil
}

// incomplete describes why a run cannot score its study yet.
func incomplete(cfg *analysis.Config, ao *analysis.Options, sum *analysis.Summary) error {
	n := len(cfg.Jobs())
	whole := ao == nil || ao.Shard == (analysis.Shard{}) || ao.Shard == (analysis.Shard{Index: 0, Count: 1})
	if sum.Held != nil {
		scope := "study"
		if !whole {
			scope = fmt.Sprintf("shard %d/%d", ao.Shard.Index, ao.Shard.Count)
		}
		return fmt.Errorf("%w: %s incomplete: %d jobs held by others (%d of the study's %d jobs not done): %w",
			ErrIncomplete, scope, sum.Locked, sum.Remaining, n, sum.Held)
	}
	if whole {
		return fmt.Errorf("%w: %d of %d jobs not done (other workers held them and left them unfinished): run again", ErrIncomplete, sum.Remaining, n)
	}
	return fmt.Errorf("%w: this shard (%d/%d) is done; %d of the study's %d jobs are not (other shards)", ErrIncomplete, ao.Shard.Index, ao.Shard.Count, sum.Remaining, n)
}

// textbookNTest returns so with Settings.NTest set to the study's number
// of test images (the test features of its first network) when the
// textbook t statistic is asked for without NTest: its degrees of freedom
// are the images the accuracies were computed over, where the reference
// statistic keeps the published n = 50.
func textbookNTest(cfg *analysis.Config, so *ScoreOptions) (*ScoreOptions, error) {
	if so == nil || so.Settings == nil || so.Settings.T != hierarchy.TextbookT || so.Settings.NTest != 0 || len(cfg.Networks) == 0 {
		return so, nil
	}
	st, err := features.Open(filepath.Join(cfg.TestFeatures, cfg.Networks[0].Dir), nil)
	if err != nil {
		return nil, fmt.Errorf("bhscore: counting test images: %w", err)
	}
	c, set := *so, *so.Settings
	set.NTest = len(st.Labels())
	c.Settings = &set
	return &c, nil
}
