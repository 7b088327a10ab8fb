// Package bhscore computes the brain hierarchy (BH) score of deep neural
// networks (Nonaka, Majima, Aoki & Kamitani 2021, iScience 24:103013) as
// the published Python analysis does, from fMRI and DNN features through
// decoding and encoding accuracies to scores, rankings, reports and
// figures. The score itself is in package hierarchy; this package runs a
// study, ranks networks (also among the 29 published ones, Published),
// writes JSON/CSV reports (Report) and draws the paper's Figure 3 and
// Figure S1 (SaveFigure3, SaveFigureS1).
package bhscore
