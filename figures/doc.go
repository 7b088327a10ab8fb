// Package figures draws the paper's figures from a report with gonum/plot:
// Figure 3 (averaged BH scores as horizontal bars, the study's networks
// among the 29 published ones) and Figure S1 (per layer, the distribution
// of the decoding top ROIs). It is kept apart from the analysis so that
// importing bhscore, analysis or report does not link a plotting library.
//
//	file                      drawn by
//	figure3.png, .svg         SaveFigure3 (Figure3 for the plot itself)
//	figureS1_<DNN>.png, .svg  SaveFigureS1 (FigureS1 for the panels)
//
// Every file is written atomically.
package figures
