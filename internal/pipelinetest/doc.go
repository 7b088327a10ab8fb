// Package pipelinetest holds the test helpers shared by the decode and
// encode pipeline tests: access to the miniature study in
// testdata/pipeline (copied from ../shared/conformance/pipeline and run
// through the original scripts), its expected.json, and the loop over every
// (network, layer, subject, ROI) job whose accuracies are compared with the
// stored reference. Files and CompareFiles read and compare whole output
// trees, for the kill-and-resume tests (root package, internal/reliability).
//
// It is meant for tests only; its functions report failures through
// testing.TB.
package pipelinetest
