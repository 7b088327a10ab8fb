package fmri

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// PyRepr formats x as Python's repr(float) does: the shortest string that
// round-trips, in positional notation with at least one digit after the
// point ("1.0", "2535895.008083") when the decimal exponent is in
// [-4, 16), otherwise in scientific notation with a signed exponent of at
// least two digits ("1e-05", "1e+16", "1.5e+300"). bdpy names the members
// of /vmap/<key>/ this way.
func PyRepr(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(x, 'e', -1, 64) // -d.ddde±XX
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	mant, exps, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(exps)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // value = 0.digits x 10^decpt
	if decpt <= -4 || decpt > 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		esign := "+"
		if exp < 0 {
			esign, exp = "-", -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, esign, exp)
	}
	var b strings.Builder
	b.WriteString(sign)
	switch {
	case decpt <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -decpt))
		b.WriteString(digits)
	case decpt >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", decpt-len(digits)))
		b.WriteString(".0")
	default:
		b.WriteString(digits[:decpt])
		b.WriteByte('.')
		b.WriteString(digits[decpt:])
	}
	return b.String()
}

// parsePyFloat parses a string as Python's float() does for the decimal
// forms found as vmap member names (surrounding whitespace allowed; "inf",
// "nan", "infinity" in any case; no hexadecimal).
func parsePyFloat(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if strings.ContainsAny(t, "xXpP") && !strings.Contains(strings.ToLower(t), "inf") {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	body := strings.TrimLeft(t, "+-")
	if strings.HasPrefix(body, "_") || strings.HasSuffix(body, "_") || strings.Contains(t, "__") {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	t = strings.ReplaceAll(t, "_", "")
	x, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return x, nil
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return x, nil
}
