package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// translator turns a filter tree into a parameterised SQL condition with
// exactly the semantics of filter.Match: every comparison is made total
// (never NULL), so that "not" and a missing attribute behave as in memory.
// Values only ever reach the database as parameters.
type translator struct {
	d    Dialect
	vals []any
	// Resources are rows of alias r in the resources table; their members
	// are in the members table.
	members   string
	resources string
	rt        *schema.ResourceType
	groupType string
	// columns, when set, maps attribute paths to a host table's columns
	// (see Where); only those paths can be translated.
	columns map[string]string
	// negated counts the "not" expressions being translated.
	negated int
}

// arg records a value and returns a token for it. Tokens, not "?", are
// placed while the SQL is built, because an expression may be used twice
// or built before the text that precedes it; finish turns them into
// placeholders with the arguments in the order they appear.
func (t *translator) arg(v any) string {
	t.vals = append(t.vals, v)
	return "\x00" + strconv.Itoa(len(t.vals)-1) + "\x00"
}

// finish returns sql with placeholders and its arguments.
func (t *translator) finish(sql string) (string, []any) {
	var b strings.Builder
	var args []any
	for {
		i := strings.IndexByte(sql, 0)
		if i < 0 {
			b.WriteString(sql)
			break
		}
		j := strings.IndexByte(sql[i+1:], 0) + i + 1
		n, _ := strconv.Atoi(sql[i+1 : j])
		b.WriteString(sql[:i])
		b.WriteString("?")
		args = append(args, t.vals[n])
		sql = sql[j+1:]
	}
	return t.d.rebind(b.String()), args
}

// coalesce makes a condition total: NULL becomes dflt. Outside "not", a
// NULL condition already selects nothing, so a false default is left out:
// a bare comparison lets the database use its indexes.
func (t *translator) coalesce(cond string, dflt bool) string {
	if !dflt && t.negated == 0 {
		return "(" + cond + ")"
	}
	d := t.falseLit()
	if dflt {
		d = t.trueLit()
	}
	return "COALESCE((" + cond + "), " + d + ")"
}

func (t *translator) expr(e filter.Expr) (string, error) {
	switch e := e.(type) {
	case *filter.Logical:
		l, err := t.expr(e.Left)
		if err != nil {
			return "", err
		}
		r, err := t.expr(e.Right)
		if err != nil {
			return "", err
		}
		op := " AND "
		if e.Op == filter.Or {
			op = " OR "
		}
		return "(" + l + op + r + ")", nil
	case *filter.Not:
		t.negated++
		x, err := t.expr(e.X)
		t.negated--
		if err != nil {
			return "", err
		}
		return "(NOT " + x + ")", nil
	case *filter.ValuePath:
		return t.valuePath(e)
	case *filter.Compare:
		return t.compare(e)
	}
	return "", fmt.Errorf("sqlstore: cannot translate %T", e)
}

// source describes where the values of a compared path are.
type source struct {
	// scalar is an expression for a singular value; raw, when set, is the
	// JSON of a singular complex value, for presence.
	scalar, raw string
	// from (with its condition where) is a FROM item whose rows are the
	// values of a multi-valued attribute; elem is the compared expression
	// of one row and base the row's JSON object ("" for the groups join).
	from, where, elem, base string
	// attr is the attribute whose values are compared.
	attr *schema.Attribute
	// sparse says the values are a sub-attribute of multi-valued values
	// (emails.primary): a value without it is skipped, not compared.
	sparse bool
}

func (t *translator) compare(c *filter.Compare) (string, error) {
	if c.Path.Attr == nil {
		return t.falseLit(), nil // unknown attributes match nothing
	}
	if c.Path.Attr == schema.SchemasAttribute || (c.Path.Extension == "" && c.Path.Attr.Name == "schemas" && t.columns == nil) {
		return t.schemas(c), nil
	}
	src, err := t.source(c.Path)
	if err != nil {
		return "", err
	}
	return t.compareSource(c, src)
}

func (t *translator) compareSource(c *filter.Compare, src source) (string, error) {
	if src.scalar == "" && src.from == "" && src.raw == "" {
		return t.falseLit(), nil
	}
	rows := src.where
	if src.sparse {
		rows = and(rows, src.elem+" IS NOT NULL")
	}
	present := func() string {
		if src.from != "" && src.sparse {
			return "EXISTS (SELECT 1 FROM " + src.from + " WHERE " + and(rows, t.asText(src.elem)+" <> ''") + ")"
		}
		if src.from != "" {
			return "EXISTS (SELECT 1 FROM " + src.from + where(src.where) + ")"
		}
		if src.raw != "" {
			return t.coalesce(src.raw+" IS NOT NULL", false)
		}
		return t.coalesce(src.scalar+" IS NOT NULL AND "+t.asText(src.scalar)+" <> ''", false)
	}
	switch {
	case c.Op == filter.Pr:
		return present(), nil
	case c.Value == nil && c.Op == filter.Eq:
		return "(NOT " + present() + ")", nil
	case c.Value == nil:
		return present(), nil
	}
	if src.from == "" {
		if src.scalar == "" { // a complex value without a "value" to compare
			if c.Op == filter.Ne {
				return t.trueLit(), nil
			}
			return t.falseLit(), nil
		}
		cond, err := t.condition(c, src.attr, src.scalar)
		if err != nil {
			return "", err
		}
		return t.coalesce(cond, c.Op == filter.Ne), nil
	}
	cond, err := t.condition(c, src.attr, src.elem)
	if err != nil {
		return "", err
	}
	any := "EXISTS (SELECT 1 FROM " + src.from + " WHERE " + and(rows, t.coalesce(cond, c.Op == filter.Ne)) + ")"
	if c.Op == filter.Ne {
		return "(" + any + " OR NOT EXISTS (SELECT 1 FROM " + src.from + where(rows) + "))", nil
	}
	return any, nil
}

func where(cond string) string {
	if cond == "" {
		return ""
	}
	return " WHERE " + cond
}

func and(a, b string) string {
	if a == "" {
		return b
	}
	return a + " AND " + b
}

// asText casts an expression to text, for the comparison with ”.
func (t *translator) asText(x string) string {
	if t.d.pg() {
		return "CAST(" + x + " AS TEXT)"
	}
	return "CAST(" + x + " AS TEXT)"
}

// condition compares x, a value of attribute a, with c's value.
func (t *translator) condition(c *filter.Compare, a *schema.Attribute, x string) (string, error) {
	switch a.Type {
	case schema.Boolean:
		b, _ := c.Value.(bool)
		x, p := x, t.arg(b)
		if t.d.pg() {
			x = "CAST(" + x + " AS BOOLEAN)"
		} else {
			t.vals[len(t.vals)-1] = boolInt(b)
		}
		return x + sqlOp(c.Op) + p, nil
	case schema.Integer, schema.Decimal:
		f, ok := toFloat(c.Value)
		if !ok {
			return t.falseLit(), nil
		}
		if t.d.pg() {
			x = "CAST(" + x + " AS NUMERIC)"
		}
		return x + sqlOp(c.Op) + t.arg(f), nil
	case schema.DateTime:
		s, _ := c.Value.(string)
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || c.Op == filter.Co || c.Op == filter.Sw || c.Op == filter.Ew {
			return t.falseLit(), nil
		}
		return t.instant(x) + sqlOp(c.Op) + t.instantParam(at), nil
	}
	s, ok := c.Value.(string)
	if !ok {
		return t.falseLit(), nil
	}
	if !a.CaseExact && a.Type != schema.Binary {
		x, s = "lower("+x+")", strings.ToLower(s)
	}
	switch c.Op {
	case filter.Co:
		return t.contains(x, t.arg(s)), nil
	case filter.Sw:
		return t.startsWith(x, s), nil
	case filter.Ew:
		return t.endsWith(x, s), nil
	}
	if t.d.pg() && c.Op != filter.Eq && c.Op != filter.Ne {
		return x + ` COLLATE "C"` + sqlOp(c.Op) + t.arg(s), nil
	}
	return x + sqlOp(c.Op) + t.arg(s), nil
}

// instant is x as a comparable point in time.
func (t *translator) instant(x string) string {
	if t.d.pg() {
		return "CAST(" + x + " AS TIMESTAMPTZ)"
	}
	return "strftime('%Y-%m-%dT%H:%M:%fZ', " + x + ")"
}

func (t *translator) instantParam(at time.Time) string {
	if t.d.pg() {
		return "CAST(" + t.arg(at.UTC().Format(time.RFC3339Nano)) + " AS TIMESTAMPTZ)"
	}
	return t.arg(at.UTC().Format("2006-01-02T15:04:05.000Z"))
}

func sqlOp(op filter.Operator) string {
	switch op {
	case filter.Ne:
		return " <> "
	case filter.Gt:
		return " > "
	case filter.Ge:
		return " >= "
	case filter.Lt:
		return " < "
	case filter.Le:
		return " <= "
	}
	return " = "
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case int:
		return float64(v), true
	}
	return 0, false
}

// valuePath translates attr[filter]: some value of the attribute
// satisfies the filter.
func (t *translator) valuePath(v *filter.ValuePath) (string, error) {
	if v.Path.Attr == nil {
		return t.falseLit(), nil
	}
	whole := v.Path
	whole.Target.Sub = nil
	src, err := t.source(whole)
	if err != nil {
		return "", err
	}
	if src.from == "" {
		if t.columns != nil {
			return "", fmt.Errorf("sqlstore: the value filter %s needs the values of %s one by one, and a column holds one value", v.String(), v.Path.Name)
		}
		return "", fmt.Errorf("sqlstore: %s is not multi-valued", v.Path.Name)
	}
	inner, err := t.element(v.Filter, src)
	if err != nil {
		return "", err
	}
	return "EXISTS (SELECT 1 FROM " + src.from + " WHERE " + and(src.where, inner) + ")", nil
}

// element translates a value filter against one element of src.
func (t *translator) element(e filter.Expr, src source) (string, error) {
	switch e := e.(type) {
	case *filter.Logical:
		l, err := t.element(e.Left, src)
		if err != nil {
			return "", err
		}
		r, err := t.element(e.Right, src)
		if err != nil {
			return "", err
		}
		op := " AND "
		if e.Op == filter.Or {
			op = " OR "
		}
		return "(" + l + op + r + ")", nil
	case *filter.Not:
		t.negated++
		x, err := t.element(e.X, src)
		t.negated--
		if err != nil {
			return "", err
		}
		return "(NOT " + x + ")", nil
	case *filter.Compare:
		if e.Path.Attr == nil {
			return t.falseLit(), nil
		}
		return t.compareSource(e, source{scalar: src.subExpr(t, e.Path.Attr.Name), attr: e.Path.Attr})
	}
	return "", fmt.Errorf("sqlstore: cannot translate %T in a value filter", e)
}

// subExpr is the expression of a sub-attribute of the current element.
func (s source) subExpr(t *translator, sub string) string {
	if s.base == "" { // a user's groups, from the membership join
		switch sub {
		case "value":
			return "gm.group_id"
		case "display":
			return "gg.display_name"
		case "type":
			return "'direct'"
		}
		return "NULL"
	}
	return t.jsonText(s.base, sub)
}

// source resolves an attribute path to where its values are.
func (t *translator) source(p filter.AttrPath) (source, error) {
	a, sub := p.Attr, p.Target.Sub
	compared := a
	if sub != nil {
		compared = sub
	} else if a.Type == schema.Complex {
		compared = a.SubAttribute("value")
	}
	if t.columns != nil {
		col, ok := t.columns[strings.ToLower(p.String())]
		if !ok {
			return source{}, fmt.Errorf("sqlstore: the attribute %s has no column", p.String())
		}
		if compared == nil {
			compared = a
		}
		return source{scalar: col, attr: compared}, nil
	}
	if p.Extension == "" {
		switch a.Name {
		case "id":
			return source{scalar: "r.id", attr: a}, nil
		case "externalId":
			return source{scalar: "r.external_id", attr: a}, nil
		case "userName":
			return source{scalar: "r.user_name", attr: a}, nil
		case "displayName":
			return source{scalar: "r.display_name", attr: a}, nil
		case "meta":
			if sub == nil {
				return source{scalar: "CAST(" + t.arg(t.rt.Name) + " AS TEXT)", attr: a}, nil
			}
			switch sub.Name {
			case "created":
				return source{scalar: "r.created", attr: sub}, nil
			case "lastModified":
				return source{scalar: "r.last_modified", attr: sub}, nil
			case "resourceType":
				return source{scalar: "CAST(" + t.arg(t.rt.Name) + " AS TEXT)", attr: sub}, nil
			}
			return source{attr: sub}, nil
		case "members":
			if a.MultiValued && a.Type == schema.Complex {
				src := source{from: t.members + " mm", where: "mm.group_id = r.id", base: "mm.data", attr: compared, sparse: sub != nil}
				if compared != nil {
					src.elem = src.subExpr(t, compared.Name)
				}
				return src, nil
			}
		case "groups":
			if a.MultiValued && a.EffectiveMutability() == schema.ReadOnly {
				src := source{from: t.members + " gm JOIN " + t.resources + " gg ON gg.type = " + t.arg(t.groupType) + " AND gg.id = gm.group_id",
					where: "gm.member_id = r.id", attr: compared, sparse: sub != nil}
				if compared != nil {
					src.elem = src.subExpr(t, compared.Name)
				}
				return src, nil
			}
		}
	}
	keys := []string{a.Name}
	if p.Extension != "" {
		keys = []string{p.Extension, a.Name}
	}
	if !a.MultiValued {
		switch {
		case sub != nil:
			return source{scalar: t.jsonText("r.data", append(keys, sub.Name)...), attr: sub}, nil
		case a.Type == schema.Complex && compared != nil:
			return source{scalar: t.jsonText("r.data", append(keys, compared.Name)...), raw: t.jsonRaw("r.data", keys...), attr: compared}, nil
		case a.Type == schema.Complex:
			return source{raw: t.jsonRaw("r.data", keys...), attr: a}, nil
		}
		return source{scalar: t.jsonText("r.data", keys...), attr: a}, nil
	}
	src := source{from: t.elements("e", "r.data", keys...), base: "e.value", attr: compared, sparse: sub != nil}
	switch {
	case a.Type != schema.Complex:
		src.elem, src.attr = t.elementText("e", ""), a
	case compared != nil:
		src.elem = t.jsonText("e.value", compared.Name)
	}
	return src, nil
}

// schemas translates a comparison on "schemas", which lists the core
// schema and each extension the resource has attributes for: the
// comparison is decided here for each URN, and an extension's URN counts
// when the resource has its key.
func (t *translator) schemas(c *filter.Compare) string {
	var alts []string
	if filter.Match(c, map[string]any{"schemas": []any{t.rt.Schema.ID}}) {
		alts = append(alts, t.trueLit())
	}
	for _, ext := range t.rt.Extensions {
		if filter.Match(c, map[string]any{"schemas": []any{ext.Schema.ID}}) {
			alts = append(alts, t.coalesce(t.jsonRaw("r.data", ext.Schema.ID)+" IS NOT NULL", false))
		}
	}
	if c.Op == filter.Ne || (c.Value == nil && c.Op == filter.Eq) {
		// "ne" holds when some URN differs; the core URN is always listed.
		if filter.Match(c, map[string]any{"schemas": []any{t.rt.Schema.ID}}) {
			return t.trueLit()
		}
	}
	if len(alts) == 0 {
		return t.falseLit()
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}

// sortKey returns the ORDER BY expression of sortBy: the value, or for a
// multi-valued attribute the primary value, else the first; text in the
// attribute's case rule; "" as missing.
func (t *translator) sortKey(by filter.AttrPath) (string, error) {
	src, err := t.source(by)
	if err != nil {
		return "", err
	}
	x := src.scalar
	if src.from != "" {
		if src.base != "e.value" || src.elem == "" {
			return "", fmt.Errorf("sqlstore: cannot sort by %s", by.String())
		}
		primary := t.jsonText("e.value", "primary")
		order := "e.key"
		if t.d.pg() {
			primary = "CAST(" + primary + " AS BOOLEAN)"
			order = "e.ord"
		}
		// An explicit COALESCE: PostgreSQL sorts NULL first in DESC order,
		// which would put a value without "primary" before the primary one.
		x = "(SELECT " + src.elem + " FROM " + src.from + " ORDER BY COALESCE(" + primary + ", " + t.falseLit() + ") DESC, " + order + " LIMIT 1)"
	}
	if x == "" || src.attr == nil {
		return "NULL", nil
	}
	switch src.attr.Type {
	case schema.Integer, schema.Decimal:
		if t.d.pg() {
			return "CAST(" + x + " AS NUMERIC)", nil
		}
		return x, nil
	case schema.Boolean:
		if t.d.pg() {
			return "CAST(" + x + " AS BOOLEAN)", nil
		}
		return x, nil
	case schema.DateTime:
		return t.instant(x), nil
	}
	if !src.attr.CaseExact && src.attr.Type != schema.Binary {
		x = "lower(" + x + ")"
	}
	x = "NULLIF(" + x + ", '')"
	if t.d.pg() {
		x += ` COLLATE "C"`
	}
	return x, nil
}
