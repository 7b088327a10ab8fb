// Package npsum sums and averages floating-point values in the order
// numpy does, so that means and standard deviations agree with numpy bit
// for bit.
//
// numpy's add.reduce has two orders, decided by the memory layout of the
// array, not by the values:
//
//	reduction along                 order                      here
//	------------------------------  -------------------------  ----------------
//	a contiguous axis (1-d array,   pairwise_sum in blocks of  Sum, SumStrided,
//	  axis 0 of a Fortran array)    8192 (the iterator's        MeanStd
//	                                buffer), blocks added in
//	                                turn to a zero start
//	a non-contiguous axis (axis 0   one row after another      Sequential
//	  of a C-order array with more
//	  than one column)
//
// pairwise_sum adds fewer than 8 values in turn from zero; up to 128 values
// in 8 interleaved accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))
// followed by the remainder; above 128 it splits at half the length rounded
// down to a multiple of 8 and adds the two halves' sums. Arithmetic is in
// the element type: float32 arrays are summed in float32, as numpy does.
//
// np.mean divides the sum by the count in the element type; np.std(ddof)
// subtracts that mean, squares, sums in the same order, divides by
// count-ddof and takes the square root (MeanStd).
//
// The bdpy pipelines hold their matrices in both layouts: BData.select
// (a boolean column index) and fancy-indexed or Fortran-reshaped features
// are Fortran-ordered, plain concatenated features are C-ordered.
package npsum
