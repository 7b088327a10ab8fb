// Package sim simulates a whole brain-hierarchy-score study on disk, in the
// formats of the original data (Shen et al. 2019 fMRI in BData .h5 files,
// DNN features in bdpy's feature-directory layout), with a known ground
// truth.
//
// # Generative model
//
// Every image i has latent factors z_d(i) ∈ R^K at depths d = 1..5 (i.i.d.
// N(0, 1)). ROI r (V1, V2, V3, V4, HVC at depths 1..5) and DNN layer ℓ with
// centre c_ℓ read them out through Gaussian depth profiles:
//
//	voxel v of ROI r, trial t of image i:
//	    base_v + scale_v·(Σ_d a_d(r + δ_v)·β_v,d·z_d(i) + σ_v·ε_t,v)
//	unit u of layer ℓ, image i:
//	    off_u + sc_u·(Σ_d a_d(c_ℓ + δ_u)·γ_u,d·z_d(i) + τ_u·η_i,u)
//
// where a_d(x) ∝ exp(−(d − x)²/(2w²)) has unit norm over d, β and γ are
// N(0, I/K) loadings, δ are small per-voxel and per-unit depth jitters,
// ε is fresh noise on every trial (so repeated trials differ) and η is
// fixed per image (a DNN is deterministic). Training images are presented
// Reps times in shuffled runs; the analyses average test trials per image.
// The ground truth (Truth) therefore orders the networks: the
// hierarchical net's centres rise from 1 to 5 (BH score near +1 in the
// limit of infinite data), the flat net's stay near 3 (score near 0), the
// reversed net's fall (score near −1).
//
// # Study directory
//
//	settings.json                                  subjects, ROIs, DNNs (dir + ordered layers)
//	truth.json                                     ground truth (Truth)
//	configs/bhscore_<fw>_<net>_sim.yaml            original encoding config, paths relative to the study
//	fmri/sub-0N_perceptionNaturalImageTraining_VC_v2.h5
//	fmri/sub-0N_perceptionNaturalImageTest_VC_v2.h5
//	features/ImageNetTraining/<fw>/<net>/<layer>/<stem>.mat   variable feat, float32, 1×units or 1×C×H×W
//	features/ImageNetTest/<fw>/<net>/<layer>/<stem>.mat
//
// Sizes AlexNet and VGGConv1 have one network at full unit counts
// (pytorch/AlexNet; pytorch/VGG16 with conv1_1 and fc6-fc8); its features
// are written as packed stores instead (features/<split>/pytorch/<net>/
// manifest.json and <layer>.bhfeat, generated unit block by unit block:
// FeatureColumns), and study.yaml decodes 1,000 random units per layer.
//
// pytorch/* networks are written as MATLAB v5 files (as scipy.io.savemat
// writes them), caffe/* networks as MATLAB v7.3 files (as bdpy's
// save_array writes them). Everything is a deterministic function of the
// seed: the same seed gives the same arrays and byte-identical MAT (v5 and
// v7.3), JSON and YAML files; BData files differ only in the creation time
// bdpy records in /header/ctime.
//
// Generate writes only into an empty or new directory, or one it made
// before: it keeps a manifest (ManifestName: size, seed, the files it
// wrote). The same size and seed leave the files as they are; another
// size or seed replaces the manifest's files; any other non-empty
// directory is refused (ErrNotOwned), so bhscore never overwrites files it
// did not create.
package sim
