// Package report holds a study's table of BH scores and its ranking
// (Report, ranked as the notebook's np.argsort(scores)[::-1]), writes it as
// JSON, CSV and an aligned text table, and places scores among the 29
// networks of the paper's Figure 3 (Published, PublishedRank).
//
//	file          written by            contents
//	bhscore.json  Report.SaveJSON       per DNN: scores, rank, rank among published, extras
//	bhscore.csv   Report.SaveCSV        one row per DNN in rank order
//
// Files are written atomically. A Report is plain data: package figures
// draws it.
package report
