package fmri

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Selector is a parsed column-selection expression in bdpy's selector
// language (bdpy.bdata.FeatureSelector). The zero value is not useful; use
// ParseSelector. A Selector is immutable and safe for concurrent use.
type Selector struct {
	expr   string
	tokens []string
	rpn    []string
}

// ErrSyntax is wrapped by errors for expressions the lexer or the
// evaluator cannot handle (unterminated quotes, missing operands, operands
// of the wrong kind).
var ErrSyntax = errors.New("invalid selector expression")

// ErrKeyNotFound is wrapped by errors for a metadata key (or wildcard
// pattern) that matches no key.
var ErrKeyNotFound = errors.New("no such metadata key")

// operator precedence as in bdpy; '(' is -1 so that no operator pops it.
func precedence(tok string) int {
	switch tok {
	case "=":
		return 10
	case "|", "&", "+", "-":
		return 5
	case "@":
		return 3
	}
	return -1
}

func isOperator(tok string) bool {
	switch tok {
	case "=", "|", "&", "+", "-", "@":
		return true
	}
	return false
}

// ParseSelector lexes and parses expr exactly as bdpy's FeatureSelector
// does: spaces outside quotes are dropped, quoted text joins the current
// token verbatim, the characters ( ) = | & + - @ are tokens of their own,
// '+' becomes '|', and the shunting-yard parser gives '=' precedence 10,
// '|', '&', '-' 5 and '@' 3 (all left-associative), with a ')' popping the
// whole operator stack. The only syntax error is an unterminated quote.
func ParseSelector(expr string) (*Selector, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	return &Selector{expr: expr, tokens: toks, rpn: parse(toks)}, nil
}

// String returns the expression as given.
func (s *Selector) String() string { return s.expr }

// Tokens returns the lexer output (bdpy FeatureSelector.token).
func (s *Selector) Tokens() []string { return append([]string(nil), s.tokens...) }

// RPN returns the expression in reverse Polish notation (bdpy
// FeatureSelector.rpn), the form Columns evaluates.
func (s *Selector) RPN() []string { return append([]string(nil), s.rpn...) }

func lex(expr string) ([]string, error) {
	var out []string
	var buf strings.Builder
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch c {
		case ' ':
		case '"', '\'':
			j := strings.IndexByte(expr[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("selector %q: unterminated %c quote at byte %d: %w", expr, c, i, ErrSyntax)
			}
			buf.WriteString(expr[i+1 : i+1+j])
			i += j + 1
		case '(', ')', '=', '|', '&', '+', '-', '@':
			if buf.Len() > 0 {
				out = append(out, buf.String())
				buf.Reset()
			}
			out = append(out, string(c))
		default:
			buf.WriteByte(c)
		}
	}
	if buf.Len() > 0 {
		out = append(out, buf.String())
	}
	for i, t := range out {
		if t == "+" {
			out[i] = "|"
		}
	}
	return out, nil
}

func parse(toks []string) []string {
	out := []string{}
	var ops []string
	for _, t := range toks {
		switch {
		case isOperator(t):
			for len(ops) > 0 && precedence(t) <= precedence(ops[len(ops)-1]) {
				out = append(out, ops[len(ops)-1])
				ops = ops[:len(ops)-1]
			}
			ops = append(ops, t)
		case t == "(":
			ops = append(ops, t)
		case t == ")":
			// bdpy pops the whole stack here, discarding every '('.
			for len(ops) > 0 {
				top := ops[len(ops)-1]
				ops = ops[:len(ops)-1]
				if top != "(" {
					out = append(out, top)
				}
			}
		default:
			out = append(out, t)
		}
	}
	for len(ops) > 0 {
		// An unmatched '(' ends up in the RPN (and is then looked up as a key).
		out = append(out, ops[len(ops)-1])
		ops = ops[:len(ops)-1]
	}
	return out
}

// operand is a value on the evaluation stack: a number (from an all-digit
// token) or a vector over the columns, boolean (a mask) or float (a ranking
// produced by top).
type operand struct {
	num    float64
	isNum  bool
	vec    []float64
	isBool bool
}

// set stores x at i with numpy's assignment semantics for the vector's
// dtype (a bool vector stores x != 0, NaN being true).
func (o *operand) set(i int, x float64) {
	if o.isBool {
		if x != 0 {
			x = 1
		} else {
			x = 0
		}
	}
	o.vec[i] = x
}

func boolVec(n int) operand { return operand{vec: make([]float64, n), isBool: true} }

// isDigits reports whether s is non-empty and made of ASCII digits only
// (Python's str.isdigit for ASCII input).
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// keyPattern compiles bdpy's key pattern: the key taken literally except
// '*', which matches any run of characters other than a newline, anchored
// at the start and at the end (or before a final newline), as Python's
// re.match(re.escape(key).replace('\*', '.*') + '$', k).
func keyPattern(key string) (*regexp.Regexp, error) {
	parts := strings.Split(key, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.Compile(`\A(?:` + strings.Join(parts, `.*`) + `)\n?\z`)
}

// Columns evaluates the selector against metadata m and returns the
// 0-based indices of the selected columns in ascending order, the boolean
// index bdpy's BData.select(expr, return_index=True) returns.
//
// Ranking ties ('top', '@') are broken as NumPy 1.24's unstable argsort
// (introsort) breaks them.
func (s *Selector) Columns(m *Metadata) ([]int, error) {
	mask, err := s.Mask(m)
	if err != nil {
		return nil, err
	}
	var cols []int
	for i, v := range mask {
		if v {
			cols = append(cols, i)
		}
	}
	return cols, nil
}

// Mask is like Columns but returns the boolean index over all columns.
func (s *Selector) Mask(m *Metadata) ([]bool, error) {
	n := m.Len()
	var stack []operand
	var bufSel []float64
	fail := func(format string, args ...any) error {
		return fmt.Errorf("selector %q: %s: %w", s.expr, fmt.Sprintf(format, args...), ErrSyntax)
	}
	pop := func(what string) (operand, error) {
		if len(stack) == 0 {
			return operand{}, fail("operator %s lacks an operand", what)
		}
		o := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return o, nil
	}
	popSel := func(what string) (float64, error) {
		if len(bufSel) == 0 {
			return 0, fail("operator %s needs a ranking made by top", what)
		}
		v := bufSel[len(bufSel)-1]
		bufSel = bufSel[:len(bufSel)-1]
		return v, nil
	}
	for _, t := range s.rpn {
		switch t {
		case "=":
			r, err := pop(t)
			if err != nil {
				return nil, err
			}
			l, err := pop(t)
			if err != nil {
				return nil, err
			}
			if l.isNum || !r.isNum {
				return nil, fail("'=' needs a key on its left and a number on its right")
			}
			res := boolVec(n)
			for i, v := range l.vec {
				if v == r.num {
					res.vec[i] = 1
				}
			}
			stack = append(stack, res)
		case "top":
			nv, err := pop(t)
			if err != nil {
				return nil, err
			}
			var k float64
			switch {
			case nv.isNum:
				k = nv.num
			case len(nv.vec) == 1:
				k = nv.vec[0]
			default:
				return nil, fail("'top' needs a number of columns")
			}
			if math.IsNaN(k) || math.IsInf(k, 0) {
				return nil, fail("'top' count %v is not finite", k)
			}
			k = math.Trunc(k)
			v, err := pop(t)
			if err != nil {
				return nil, err
			}
			if v.isNum {
				return nil, fail("'top' needs a column vector to rank")
			}
			stack = append(stack, order(v))
			bufSel = append(bufSel, k)
		case "|", "&", "-":
			r, err := pop(t)
			if err != nil {
				return nil, err
			}
			l, err := pop(t)
			if err != nil {
				return nil, err
			}
			if r.isNum || l.isNum {
				return nil, fail("operator %s needs column vectors, not numbers", t)
			}
			if !r.isBool {
				k, err := popSel(t)
				if err != nil {
					return nil, err
				}
				r = topFromOrder(r, k)
			}
			if !l.isBool {
				k, err := popSel(t)
				if err != nil {
					return nil, err
				}
				l = topFromOrder(l, k)
			}
			res := boolVec(n)
			for i := range res.vec {
				a, b := l.vec[i] != 0, r.vec[i] != 0
				var x bool
				switch t {
				case "|":
					x = a || b
				case "&":
					x = a && b
				default:
					x = a && !b
				}
				if x {
					res.vec[i] = 1
				}
			}
			stack = append(stack, res)
		case "@":
			r, err := pop(t)
			if err != nil {
				return nil, err
			}
			l, err := pop(t)
			if err != nil {
				return nil, err
			}
			if r.isNum || !r.isBool || l.isNum {
				return nil, fail("'@' needs a ranking on its left and a mask on its right")
			}
			for i, v := range r.vec {
				if v == 0 {
					l.set(i, math.Inf(1))
				}
			}
			k, err := popSel(t)
			if err != nil {
				return nil, err
			}
			stack = append(stack, topFromOrder(l, k))
		default:
			if isDigits(t) {
				x, err := strconv.ParseFloat(t, 64)
				if err != nil && !errors.Is(err, strconv.ErrRange) {
					return nil, fail("bad number %q", t)
				}
				stack = append(stack, operand{num: x, isNum: true})
				continue
			}
			v, err := m.keyMask(t)
			if err != nil {
				return nil, fmt.Errorf("selector %q: %w", s.expr, err)
			}
			stack = append(stack, v)
		}
	}
	res, err := pop("(end)")
	if err != nil {
		return nil, err
	}
	if res.isNum {
		return nil, fail("expression yields a number, not columns")
	}
	out := make([]bool, n)
	if len(bufSel) > 0 {
		k := bufSel[len(bufSel)-1]
		for i, v := range res.vec {
			out[i] = v < k
		}
		return out, nil
	}
	for i, v := range res.vec {
		out[i] = v == 1
	}
	return out, nil
}

// order ranks v in descending order (bdpy BData.__get_order): NaN counts
// as -Inf, rank 0 is the largest, ties as NumPy's argsort(v)[::-1].
func order(v operand) operand {
	if !v.isBool {
		for i, x := range v.vec {
			if math.IsNaN(x) {
				v.vec[i] = math.Inf(-1)
			}
		}
	}
	idx := argsort(v.vec)
	out := operand{vec: make([]float64, len(v.vec))}
	for i := range idx {
		out.vec[idx[len(idx)-1-i]] = float64(i)
	}
	return out
}

// topFromOrder marks the k best-ranked entries (bdpy
// BData.__get_top_elm_from_order), re-ranking o in place with its dtype's
// assignment semantics.
func topFromOrder(o operand, k float64) operand {
	idx := argsort(o.vec)
	for i, x := range idx {
		o.set(x, float64(i))
	}
	res := boolVec(len(o.vec))
	for i, r := range o.vec {
		if r < k {
			res.vec[i] = 1
		}
	}
	return res
}
