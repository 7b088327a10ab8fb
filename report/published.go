package report

import (
	"math"
	"sort"
)

// PublishedSource cites the published scores.
const PublishedSource = "Nonaka, Majima, Aoki & Kamitani (2021) iScience 24:103013, Figure 3; values as printed by calc_bhscore.ipynb in KamitaniLab/BHscore (commit 8608595). decoding = mean of 100 random 5-layer selections (unseeded), encoding = compute_bhscore on per-ROI arrays with the 1000-voxel subsample (np.random.seed(0)), bhscore = mean of the two."

// PublishedScore is one network's published BH scores.
type PublishedScore struct {
	Name                        string
	Decoding, Encoding, BHScore float64
}

// published holds the 29 networks of the paper's Figure 3 in published
// rank order (averaged BH score, highest first).
var published = []PublishedScore{
	{Name: "VGG-S", Decoding: 0.5367787736852041, Encoding: 0.33320771565774904, BHScore: 0.4349932446714766},
	{Name: "CORnet-R", Decoding: 0.45847121344734754, Encoding: 0.38734730471436357, BHScore: 0.4229092590808555},
	{Name: "VGG-F", Decoding: 0.511309960547578, Encoding: 0.3335122643467014, BHScore: 0.4224111124471397},
	{Name: "AlexNet", Decoding: 0.4928224368861789, Encoding: 0.3396893846667241, BHScore: 0.4162559107764515},
	{Name: "VGG-M", Decoding: 0.5188937319034099, Encoding: 0.3007579433882166, BHScore: 0.40982583764581326},
	{Name: "VGG-19", Decoding: 0.47820033850373683, Encoding: 0.32501573437023884, BHScore: 0.40160803643698784},
	{Name: "VGG-16", Decoding: 0.4509592981190411, Encoding: 0.3140827277486492, BHScore: 0.38252101293384516},
	{Name: "ResNet-18", Decoding: 0.43566789542183243, Encoding: 0.3206887139165882, BHScore: 0.3781783046692103},
	{Name: "CORnet-S", Decoding: 0.4468106311786503, Encoding: 0.306205341770931, BHScore: 0.37650798647479067},
	{Name: "ResNet-34", Decoding: 0.40799275231891025, Encoding: 0.3340086174537223, BHScore: 0.37100068488631627},
	{Name: "SqueezeNet-1.0", Decoding: 0.4679142153358977, Encoding: 0.20261743947153588, BHScore: 0.3352658274037168},
	{Name: "SqueezeNet-1.1", Decoding: 0.3806511376248982, Encoding: 0.22346374692755167, BHScore: 0.30205744227622494},
	{Name: "DenseNet-121", Decoding: 0.4057783214720542, Encoding: 0.15816601201758074, BHScore: 0.2819721667448175},
	{Name: "DenseNet-161", Decoding: 0.39798536584614624, Encoding: 0.16397250480947376, BHScore: 0.28097893532781},
	{Name: "DenseNet-201", Decoding: 0.4050069285978119, Encoding: 0.15055057054874896, BHScore: 0.2777787495732804},
	{Name: "DenseNet-169", Decoding: 0.38280530460561585, Encoding: 0.1600756833177794, BHScore: 0.2714404939616976},
	{Name: "CORnet-Z", Decoding: 0.2958043016744105, Encoding: 0.23301553581150353, BHScore: 0.26440991874295705},
	{Name: "Inception-v1", Decoding: 0.2626805749364008, Encoding: 0.25217374872152204, BHScore: 0.2574271618289614},
	{Name: "Inception-v2", Decoding: 0.2428201761957668, Encoding: 0.23768792967484945, BHScore: 0.2402540529353081},
	{Name: "Inception-ResNet-v2", Decoding: 0.18935473861142704, Encoding: 0.23925634379791547, BHScore: 0.21430554120467127},
	{Name: "NASNet-Mobile", Decoding: 0.2019286905798524, Encoding: 0.22503197624663188, BHScore: 0.21348033341324213},
	{Name: "PNASNet-Large", Decoding: 0.17975438083252485, Encoding: 0.2389122764848542, BHScore: 0.20933332865868953},
	{Name: "MobileNet-v2-1.4-224", Decoding: 0.20157053453816953, Encoding: 0.20544614317742066, BHScore: 0.2035083388577951},
	{Name: "ResNet-50-v2", Decoding: 0.17874310888687045, Encoding: 0.20777355640726555, BHScore: 0.193258332647068},
	{Name: "NASNet-Large", Decoding: 0.07249763774156266, Encoding: 0.2557132655937244, BHScore: 0.16410545166764354},
	{Name: "ResNet-101-v2", Decoding: 0.14758564520655, Encoding: 0.17974705887953604, BHScore: 0.16366635204304303},
	{Name: "Inception-v3", Decoding: 0.04675912334800784, Encoding: 0.2421976212996117, BHScore: 0.14447837232380978},
	{Name: "ResNet-152-v2", Decoding: 0.13765118762888953, Encoding: 0.14762296798275332, BHScore: 0.1426370778058214},
	{Name: "Inception-v4", Decoding: 0.03877159379105938, Encoding: 0.16667742438955932, BHScore: 0.10272450909030935},
}

// Published returns the 29 published scores in published rank order
// (a new slice).
func Published() []PublishedScore {
	return append([]PublishedScore(nil), published...)
}

// PublishedRank returns the 1-based position an averaged BH score would
// take among the published ones (after any equal published score), from
// 1 (above VGG-S) to 30 (below Inception-v4); 0 for NaN.
func PublishedRank(bhscore float64) int {
	if math.IsNaN(bhscore) {
		return 0
	}
	return 1 + sort.Search(len(published), func(i int) bool { return published[i].BHScore < bhscore })
}
