// Package htmlreport writes a study's results as one self-contained HTML
// file: the ranking with confidence intervals, permutation p-values and
// rank stability, the place of each network among the published ones,
// the figures (PNG images embedded as data: URIs), per-network tables and
// the parameters and provenance of the run. The file needs no network
// access and no other file to be viewed; it holds no scripts.
//
// The package only lays out what it is given: numbers come in a Report
// whose fields the caller fills from its analysis, figures as PNG bytes
// (plotting stays in the caller). Write renders to any io.Writer; Save
// writes a file atomically.
//
// Page layout:
//
//	section          id           contents
//	ranking          ranking      one row per network, best first: scores
//	                              with CIs, p-values, rank stability
//	published        published    the run's networks among Published
//	figures          figures      every Figure, in order
//	networks         net-<i>      each network's Tables
//	parameters       parameters   Parameters, then Provenance
package htmlreport
