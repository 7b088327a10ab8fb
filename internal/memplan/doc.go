// Package memplan sizes work to a memory budget before it starts.
//
// A budget comes from the user as a string (the -memory flag, the
// "memory" configuration key): a size such as "8G", "512MiB" or
// "3000000000", or a percentage of the machine's memory such as "60%".
// The empty string means DefaultFraction of the machine's memory. The
// machine's memory is the smaller of the physical memory (/proc/meminfo)
// and the cgroup limit of the process (v2 memory.max, v1
// memory.limit_in_bytes), so a container's limit is respected.
//
// Work is described as a fixed part plus a part that grows with a block
// size (Estimate); Estimate.Block picks the largest block that fits, and
// fails at once with a *TooSmallError that gives the numbers when even the
// smallest block does not fit, instead of the operating system killing the
// process later.
//
// Functions and types of this package are safe for concurrent use.
package memplan
