package filter

import (
	"strings"
	"time"

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
// attribute's type and caseExact characteristic. Documents without a
// value sort last in either order.
func CompareBy(a, b map[string]any, by AttrPath, descending bool) int {
	attr := by.Attr
	if by.Target.Sub != nil {
		attr = by.Target.Sub
	}
	if attr == nil {
		return 0
	}
	x, y := sortKey(a, by), sortKey(b, by)
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return 1
	case y == nil:
		return -1
	}
	c := compareValues(attr, x, y)
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

// compareFold compares two strings ignoring case, without allocating.
func compareFold(x, y string) int {
	for i := 0; i < len(x) && i < len(y); i++ {
		cx, cy := lower(x[i]), lower(y[i])
		if cx >= 0x80 || cy >= 0x80 {
			return strings.Compare(strings.ToLower(x[i:]), strings.ToLower(y[i:]))
		}
		if cx != cy {
			if cx < cy {
				return -1
			}
			return 1
		}
	}
	return len(x) - len(y)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
