package memplan

import (
	"fmt"
	"strings"
)

// Item is one named part of an estimate.
type Item struct {
	Name  string
	Bytes Bytes
}

// Estimate is the peak memory of a piece of work as a fixed part plus a
// part proportional to a block size (bytes per block unit: a unit of a
// layer, a column, a voxel).
type Estimate struct {
	// What names the work in errors ("encode layer conv1").
	What string
	// Fixed lists the parts that do not depend on the block size.
	Fixed []Item
	// PerUnit lists the bytes each block unit adds.
	PerUnit []Item
}

// FixedBytes returns the sum of the fixed parts.
func (e *Estimate) FixedBytes() Bytes { return sum(e.Fixed) }

// UnitBytes returns the bytes one block unit adds.
func (e *Estimate) UnitBytes() Bytes { return sum(e.PerUnit) }

// Peak returns the estimated peak for a block of n units.
func (e *Estimate) Peak(n int) Bytes { return e.FixedBytes() + Bytes(n)*e.UnitBytes() }

// Block returns the largest block size that is a multiple of align (at
// least align, at most limit rounded up to align) whose peak fits in
// budget. If even align units do not fit it returns a *TooSmallError.
func (e *Estimate) Block(budget Bytes, align, limit int) (int, error) {
	if align <= 0 || limit <= 0 {
		panic("memplan: non-positive block alignment or limit")
	}
	limit = (limit + align - 1) / align * align
	if e.Peak(align) > budget {
		return 0, &TooSmallError{Estimate: *e, Budget: budget, Block: align}
	}
	per := e.UnitBytes()
	if per == 0 {
		return limit, nil
	}
	n := int((budget - e.FixedBytes()) / per)
	n = n / align * align
	return max(align, min(n, limit)), nil
}

// Check returns a *TooSmallError if a block of n units does not fit.
func (e *Estimate) Check(budget Bytes, n int) error {
	if e.Peak(n) > budget {
		return &TooSmallError{Estimate: *e, Budget: budget, Block: n}
	}
	return nil
}

// TooSmallError reports work that cannot fit in a memory budget, with the
// numbers: the budget, the estimated peak at the smallest block and its
// parts.
type TooSmallError struct {
	Estimate
	Budget Bytes
	Block  int // the block size tried (the smallest allowed)
}

func (e *TooSmallError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "memplan: %s needs at least %v but the memory budget is %v (", e.What, e.Peak(e.Block), e.Budget)
	for i, it := range e.Fixed {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %v", it.Name, it.Bytes)
	}
	for i, it := range e.PerUnit {
		if i > 0 || len(e.Fixed) > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %v", it.Name, Bytes(e.Block)*it.Bytes)
	}
	fmt.Fprintf(&b, " at a block of %d); raise the memory budget", e.Block)
	return b.String()
}

func sum(items []Item) Bytes {
	var s Bytes
	for _, it := range items {
		s += it.Bytes
	}
	return s
}
