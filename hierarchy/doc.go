// Package hierarchy computes the brain hierarchy (BH) score of a deep
// neural network (Nonaka, Majima, Aoki & Kamitani 2021, iScience 24:103013)
// from prediction accuracies, reproducing the published code
// (KamitaniLab/BHscore bhscore.py and calc_bhscore.ipynb, commit 8608595)
// to 1e-12.
//
// Compute is compute_bhscore: for every entry of the input list (a layer
// for decoding: ROIs × units; an ROI for encoding: layers × voxels) NaN
// accuracies count as 0 (the caller's data is not modified), each unit's
// best row is the first maximum, and the unit is kept iff that maximum is
// > 0 and significant. The reference's t statistic is
// r·sqrt((n-2)·(1-r²)), not the textbook r·sqrt((n-2)/(1-r²)); with it
// only 0.30470 < r < 0.95245 pass at p < .05 (n = 50), so the
// best-predicted units are dropped. It is the default (ReferenceT) because
// it gives the published numbers; TextbookT is the alternative.
// Float32 accuracies (as stored in accuracy.mat) get the t statistic in
// float32 as numpy computes it. The p-value uses Student's t CDF (Cephes'
// integer-df series), which agrees with scipy 1.10's to ~1e-15; the
// threshold decision can differ only for r within ~1e-15 of a window
// bound. The score is Spearman's rho (average ranks) between entry
// position and best row of all kept units, computed from their
// contingency table (Table) and finished as np.corrcoef does, so it is
// bit-identical to scipy.stats.spearmanr (the rank sums are exact below
// about 300,000 units); it is NaN when fewer than two units are kept or
// either variable is constant, as scipy returns.
//
// SelectLayers is compute_bhscore_layerselect + np.mean. Three methods:
// Exact (default) averages over every admissible subset (first and last
// layer plus NLayers-2 inner layers), enumerated on the contingency table
// — the expectation the paper's 100 random draws estimate; MonteCarlo
// draws from an explicit rand.Source; Numpy reproduces
// np.random.seed(s) + the reference's draws bit for bit. A network with
// fewer layers than NLayers is scored on all its layers (the reference
// raises ValueError). Numpy with a generator shared through Selection.RNG
// (NumpyRNG) continues one stream across networks: scoring them in
// settings order after one NumpyRNG(0) draws what the notebook's decoding
// cell draws after a single np.random.seed(0); Seed alone re-seeds every
// network.
//
// Encoding scores are Compute on per-ROI arrays (PoolEncoding), with the
// notebook's per-subject 1,000-voxel subsample reproduced bit-exactly
// (Subsample). Scoring.Score gives the decoding, encoding and averaged
// scores of one network; Bootstrap (over units) and Permutation (shuffled
// layer order) go beyond the paper. Uncertainties runs both for a whole
// study on all cores (decoding, encoding and averaged score, plus how
// often each network keeps its rank across bootstrap replicates), with
// one random stream per task seeded in a fixed order so the results do
// not depend on the number of workers.
//
// The package does no file I/O: accuracies come as Go slices or through
// the Source interface. Functions are safe for concurrent use on distinct
// data.
package hierarchy
