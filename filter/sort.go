package filter

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/scimkit/scim/schema"
)

// ParseSortOrder reads the sortOrder parameter: "ascending" (or empty) and
// "descending" in any letter case. Anything else is an *schema.Error of
// type invalidValue.
func ParseSortOrder(s string) (descending bool, err error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "ascending":
		return false, nil
	case "descending":
		return true, nil
	}
	return false, schema.Errorf(schema.InvalidValue, "sortOrder must be \"ascending\" or \"descending\", not %q", s)
}

// CompareBy orders two resource documents by the attribute at by, for
// sortBy (RFC 7644 §3.4.2.3): it returns a negative number when a sorts
// before b, positive when after, 0 when equal. A multi-valued attribute
// sorts by its primary value, else its first. Values compare by the
// attribute's type and caseExact characteristic; strings that are not
// caseExact compare by Unicode simple case folding ("ſ", "s" and "S" are
// equal), code point by code point, with no locale. A document without a
// value (null, "", [] or no attribute) sorts as if its value were greater
// than any other: last ascending and first descending.
func CompareBy(a, b map[string]any, by AttrPath, descending bool) int {
	attr := by.Attr
	if by.Target.Sub != nil {
		attr = by.Target.Sub
	}
	if attr == nil {
		return 0
	}
	x, y := sortKey(a, by), sortKey(b, by)
	var c int
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		c = 1
	case y == nil:
		c = -1
	default:
		c = compareValues(attr, x, y)
	}
	if descending {
		return -c
	}
	return c
}

// sortKey returns the value a document sorts by, or nil.
func sortKey(doc map[string]any, by AttrPath) any {
	if by.Attr == nil {
		return nil
	}
	whole := by
	whole.Target.Sub = nil
	v := attrValue(doc, whole)
	if list, ok := v.([]any); ok {
		v = primaryOrFirst(list)
	}
	if m, ok := v.(map[string]any); ok {
		name := "value"
		if by.Target.Sub != nil {
			name = by.Target.Sub.Name
		}
		v = m[name]
	}
	if !present(v) {
		return nil
	}
	return v
}

func primaryOrFirst(list []any) any {
	for _, elem := range list {
		if m, ok := elem.(map[string]any); ok && m["primary"] == true {
			return elem
		}
	}
	if len(list) == 0 {
		return nil
	}
	return list[0]
}

// compareValues orders two present values of attribute a.
func compareValues(a *schema.Attribute, x, y any) int {
	switch a.Type {
	case schema.Integer, schema.Decimal:
		fx, _ := toNumber(x)
		fy, _ := toNumber(y)
		return cmpFloat(fx, fy)
	case schema.Boolean:
		bx, _ := x.(bool)
		by, _ := y.(bool)
		switch {
		case bx == by:
			return 0
		case !bx:
			return -1
		}
		return 1
	case schema.DateTime:
		sx, _ := x.(string)
		sy, _ := y.(string)
		tx, errx := time.Parse(time.RFC3339Nano, sx)
		ty, erry := time.Parse(time.RFC3339Nano, sy)
		if errx == nil && erry == nil {
			return tx.Compare(ty)
		}
		return strings.Compare(sx, sy)
	}
	sx, _ := x.(string)
	sy, _ := y.(string)
	if a.CaseExact {
		return strings.Compare(sx, sy)
	}
	return compareFold(sx, sy)
}

// compareFold compares two strings ignoring case, without allocating: rune
// by rune, each replaced by foldKey, so that strings equal under
// strings.EqualFold compare equal.
func compareFold(x, y string) int {
	for x != "" && y != "" {
		var rx, ry rune
		if c := x[0]; c < utf8.RuneSelf {
			rx, x = rune(lower(c)), x[1:]
		} else {
			r, n := utf8.DecodeRuneInString(x)
			rx, x = foldKey(r), x[n:]
		}
		if c := y[0]; c < utf8.RuneSelf {
			ry, y = rune(lower(c)), y[1:]
		} else {
			r, n := utf8.DecodeRuneInString(y)
			ry, y = foldKey(r), y[n:]
		}
		if rx != ry {
			if rx < ry {
				return -1
			}
			return 1
		}
	}
	return len(x) - len(y)
}

// FoldString returns the key under which a string of an attribute that is
// not caseExact is compared: each rune replaced by the key of its Unicode
// simple case folding orbit (foldKey). Two strings are equal under
// strings.EqualFold exactly when their keys are equal, and the keys'
// byte order is the order in which such strings sort and compare with gt,
// ge, lt and le; "co", "sw" and "ew" hold for the strings when they hold
// for their keys. A store that evaluates filters elsewhere, such as in SQL,
// keeps these keys to agree with Match and CompareBy.
func FoldString(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, lower(c))
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, foldKey(r))
		i += n
	}
	return string(b)
}

// foldKey returns one rune for each Unicode simple case folding orbit (the
// runes unicode.SimpleFold cycles through, which strings.EqualFold treats
// as equal): the lower case of the upper case, so that "ſ" (long s) sorts
// as "s" and "ς" (final sigma) as "σ". A rune alone in its orbit is its own
// key ("İ" is not "i" to EqualFold, though its lower case is).
func foldKey(r rune) rune {
	if unicode.SimpleFold(r) == r {
		return r
	}
	return unicode.ToLower(unicode.ToUpper(r))
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
