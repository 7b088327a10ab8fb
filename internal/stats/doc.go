// Package stats holds the statistics shared by package decode, package
// encode and the simulation tests, computed as the original NumPy scripts
// compute them.
package stats
