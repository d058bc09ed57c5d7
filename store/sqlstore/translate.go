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
	// (see Where); only those paths can be translated. folds maps some of
	// them to the columns that hold filter.FoldString of their values.
	columns map[string]string
	folds   map[string]string
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

// key returns the placeholder of a string compared for equality with a
// column. On the store's own tables, whose columns are TEXT, it is in a
// CAST that changes nothing in the comparison (see keyArgs); a host's
// column may be of any type the driver converts a string to, and gets a
// bare parameter.
func (t *translator) key(s string) string {
	if t.columns != nil {
		return t.arg(s)
	}
	return "CAST(" + t.arg(s) + " AS TEXT)"
}

// finish returns sql with placeholders and its arguments.
func (t *translator) finish(sql string) (string, []any) {
	text, vals := t.finishIndexes(sql)
	return text, t.args(vals)
}

// args returns t's values at the indexes vals, in order.
func (t *translator) args(vals []int) []any {
	args := make([]any, len(vals))
	for i, n := range vals {
		args[i] = t.vals[n]
	}
	return args
}

// finishIndexes returns sql with placeholders and, for each placeholder
// in order, the index of the value of t it takes.
func (t *translator) finishIndexes(sql string) (string, []int) {
	var b strings.Builder
	var vals []int
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
		vals = append(vals, n)
		sql = sql[j+1:]
	}
	return t.d.Rebind(b.String()), vals
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
	return t.tree(e, func(e filter.Expr) (string, error) {
		switch e := e.(type) {
		case *filter.ValuePath:
			return t.valuePath(e)
		case *filter.Compare:
			return t.compare(e)
		}
		return "", fmt.Errorf("sqlstore: cannot translate %T", e)
	})
}

// tree translates the and, or and not of a filter, and its other
// expressions with leaf: the one path for whole filters and value filters.
func (t *translator) tree(e filter.Expr, leaf func(filter.Expr) (string, error)) (string, error) {
	switch e := e.(type) {
	case *filter.Logical:
		l, err := t.tree(e.Left, leaf)
		if err != nil {
			return "", err
		}
		r, err := t.tree(e.Right, leaf)
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
		x, err := t.tree(e.X, leaf)
		t.negated--
		if err != nil {
			return "", err
		}
		return "(NOT " + x + ")", nil
	}
	return leaf(e)
}

// form is how a string is compared: as stored, by its folding key (for
// eq and ne of case-insensitive strings) or in lower case (for the other
// operators and sorting); see fold.go.
type form int

const (
	stored form = iota
	folded
	lowered
)

// texts gives the expression of a value in each form; a nil texts, or ""
// for a form, means the value has no expression in that form.
type texts func(form) string

// source describes where the values of a compared path are.
type source struct {
	// text is the expression of a singular value; raw, when set, is the
	// JSON of a singular complex value, for presence.
	text texts
	raw  string
	// always says a singular complex value is always present and has no
	// value to compare (meta).
	always bool
	// from (with its condition where) is a FROM item whose rows are the
	// values of a multi-valued attribute; elem is the compared value of
	// one row (nil when the rows have no "value"), sub a sub-attribute
	// of one row, for value filters.
	from, where string
	elem        texts
	sub         func(name string) texts
	// first orders the rows as a multi-valued attribute's sort value is
	// chosen: its primary value, else the first.
	first string
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
	if c.Path.Attr == schema.SchemasAttribute() || (c.Path.Extension == "" && c.Path.Attr.Name == "schemas" && t.columns == nil) {
		return t.schemas(c), nil
	}
	src, err := t.source(c.Path)
	if err != nil {
		return "", err
	}
	return t.compareSource(c, src)
}

// lit returns the truth value b as SQL.
func (t *translator) lit(b bool) string {
	if b {
		return t.trueLit()
	}
	return t.falseLit()
}

func (t *translator) compareSource(c *filter.Compare, src source) (string, error) {
	switch {
	case src.always:
		// A value that is always there and has nothing to compare.
		return t.lit(c.Op == filter.Pr || c.Op == filter.Ne), nil
	case src.text == nil && src.from == "" && src.raw == "":
		// Never a value: "eq null" and "ne" hold, as for a missing one.
		if c.Value == nil {
			return t.lit(c.Op == filter.Eq), nil
		}
		return t.lit(c.Op == filter.Ne), nil
	}
	rows := src.where
	if src.sparse && src.elem != nil {
		rows = and(rows, src.elem(stored)+" IS NOT NULL")
	}
	present := func() string {
		if src.from != "" && src.sparse && src.elem != nil {
			return "EXISTS (SELECT 1 FROM " + src.from + " WHERE " + and(rows, t.asText(src.elem(stored))+" <> ''") + ")"
		}
		if src.from != "" {
			return "EXISTS (SELECT 1 FROM " + src.from + where(src.where) + ")"
		}
		if src.raw != "" {
			return t.coalesce(src.raw+" IS NOT NULL", false)
		}
		x := src.text(stored)
		return t.coalesce(x+" IS NOT NULL AND "+t.asText(x)+" <> ''", false)
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
		if src.text == nil { // a complex value without a "value" to compare
			return t.lit(c.Op == filter.Ne), nil
		}
		cond, err := t.condition(c, src.attr, src.text)
		if err != nil {
			return "", err
		}
		return t.coalesce(cond, c.Op == filter.Ne), nil
	}
	if src.elem == nil || src.attr == nil {
		// Values without a "value" (addresses): each compares as missing.
		return t.lit(c.Op == filter.Ne), nil
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
	return "CAST(" + x + " AS TEXT)"
}

// asciiLower lowers the ASCII letters of x only, as strings.EqualFold
// compares an ASCII prefix or suffix.
func (t *translator) asciiLower(x string) string {
	if t.d.pg() {
		return "lower(" + x + ` COLLATE "C")`
	}
	return "lower(" + x + ")" // SQLite's lower folds ASCII only
}

// bytewise makes x compare byte by byte, as Go compares strings.
func (t *translator) bytewise(x string) string {
	if t.d.pg() {
		return x + ` COLLATE "C"`
	}
	return x
}

// condition compares x, a value of attribute a, with c's value.
func (t *translator) condition(c *filter.Compare, a *schema.Attribute, x texts) (string, error) {
	switch a.Type {
	case schema.Boolean:
		b, _ := c.Value.(bool)
		x, p := x(stored), t.arg(b)
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
		x := x(stored)
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
		return t.instant(x(stored)) + sqlOp(c.Op) + t.instantParam(at), nil
	}
	s, ok := c.Value.(string)
	if !ok {
		return t.falseLit(), nil
	}
	v := x(stored)
	if !a.CaseExact && a.Type != schema.Binary {
		switch {
		case x(folded) == "" && x(lowered) == "":
			// A host's column without a fold column: ASCII folding.
			v, s = "lower("+v+")", strings.ToLower(s)
		case (c.Op == filter.Sw || c.Op == filter.Ew) && isASCII(s):
			v, s = t.asciiLower(v), strings.ToLower(s)
		case x(folded) == "":
			// A host's fold column: filter.FoldString keys, whose equality
			// is strings.EqualFold's and whose order is CompareBy's.
			v, s = x(lowered), filter.FoldString(s)
		case c.Op == filter.Eq || c.Op == filter.Ne:
			return x(folded) + sqlOp(c.Op) + t.key(foldKey(s)), nil
		default:
			v, s = x(lowered), filter.FoldString(s)
		}
	}
	switch c.Op {
	case filter.Co:
		return t.contains(v, t.arg(s)), nil
	case filter.Sw:
		return t.startsWith(v, s), nil
	case filter.Ew:
		return t.endsWith(v, s), nil
	case filter.Eq, filter.Ne:
		return v + sqlOp(c.Op) + t.key(s), nil
	}
	return t.bytewise(v) + sqlOp(c.Op) + t.arg(s), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
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
	inner, err := t.tree(v.Filter, func(e filter.Expr) (string, error) {
		c, ok := e.(*filter.Compare)
		if !ok {
			return "", fmt.Errorf("sqlstore: cannot translate %T in a value filter", e)
		}
		if c.Path.Attr == nil {
			return t.falseLit(), nil
		}
		return t.compareSource(c, source{text: src.sub(c.Path.Attr.Name), attr: c.Path.Attr})
	})
	if err != nil {
		return "", err
	}
	return "EXISTS (SELECT 1 FROM " + src.from + " WHERE " + and(src.where, inner) + ")", nil
}

// fixed gives the forms of x, a value without case (or in ASCII only):
// folded is its upper case, as foldKey gives for ASCII.
func (t *translator) fixed(x string) texts {
	return func(f form) string {
		switch f {
		case folded:
			return "upper(" + t.bytewise(x) + ")"
		case lowered:
			return "lower(" + t.bytewise(x) + ")"
		}
		return x
	}
}

// literal gives the forms of a constant string.
func (t *translator) literal(s string) texts {
	return func(f form) string {
		switch f {
		case folded:
			s = foldKey(s)
		case lowered:
			s = filter.FoldString(s)
		}
		return "CAST(" + t.arg(s) + " AS TEXT)"
	}
}

// document gives the forms of the value at keys in the JSON documents of
// alias (data, fdata and ldata).
func (t *translator) document(alias string, keys ...string) texts {
	return func(f form) string {
		return t.jsonText(alias+"."+docColumn(f), keys...)
	}
}

func docColumn(f form) string {
	switch f {
	case folded:
		return "fdata"
	case lowered:
		return "ldata"
	}
	return "data"
}

// columnsOr gives the forms of a value kept in the columns col (stored)
// and foldCol (folded), and in lower case in the documents at keys.
func (t *translator) columnsOr(col, foldCol string, keys ...string) texts {
	return func(f form) string {
		switch f {
		case folded:
			return foldCol
		case lowered:
			return t.jsonText("r.ldata", keys...)
		}
		return col
	}
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
		fold := t.folds[strings.ToLower(p.String())]
		return source{text: func(f form) string {
			switch f {
			case stored:
				return col
			case lowered:
				return fold // "" without a fold column
			}
			return ""
		}, attr: compared}, nil
	}
	if p.Extension == "" {
		switch a.Name {
		case "id":
			return source{text: t.fixed("r.id"), attr: a}, nil
		case "externalId":
			doc := t.document("r", "externalId")
			return source{text: func(f form) string {
				if f == stored {
					return "r.external_id"
				}
				return doc(f)
			}, attr: a}, nil
		case "userName":
			return source{text: t.columnsOr("r.user_name", "r.user_name_fold", "userName"), attr: a}, nil
		case "displayName":
			return source{text: t.columnsOr("r.display_name", "r.display_name_fold", "displayName"), attr: a}, nil
		case "meta":
			if sub == nil {
				return source{always: true, attr: a}, nil
			}
			switch sub.Name {
			case "created":
				return source{text: t.fixed("r.created"), attr: sub}, nil
			case "lastModified":
				return source{text: t.fixed("r.last_modified"), attr: sub}, nil
			case "resourceType":
				return source{text: t.literal(t.rt.Name), attr: sub}, nil
			case "version":
				return source{text: t.fixed("('W/\"' || r.version || '\"')"), attr: sub}, nil
			}
			return source{attr: sub}, nil // location is the server's, never stored
		case "members":
			if a.MultiValued && a.Type == schema.Complex {
				src := source{from: t.members + " mm", where: "mm.dir = r.dir AND mm.group_id = r.id", attr: compared, sparse: sub != nil,
					sub:   func(name string) texts { return t.document("mm", name) },
					first: "COALESCE(" + t.truth(t.jsonText("mm.data", "primary")) + ", " + t.falseLit() + ") DESC, mm.seq"}
				if compared != nil {
					src.elem = src.sub(compared.Name)
				}
				return src, nil
			}
		case "groups":
			if a.MultiValued && a.EffectiveMutability() == schema.ReadOnly {
				src := source{from: t.d.memberships(t.members, "gm", t.resources, "gg") + " ON gg.dir = gm.dir AND gg.type = " + t.arg(t.groupType) + " AND gg.id = gm.group_id",
					where: "gm.dir = r.dir AND gm.member_id = r.id", attr: compared, sparse: sub != nil, sub: t.groupsSub,
					first: t.bytewise("COALESCE(gg.display_name, '')") + ", " + t.bytewise("gm.group_id")}
				if compared != nil {
					src.elem = src.sub(compared.Name)
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
			return source{text: t.document("r", append(keys, sub.Name)...), attr: sub}, nil
		case a.Type == schema.Complex && compared != nil:
			return source{text: t.document("r", append(keys, compared.Name)...), raw: t.jsonRaw("r.data", keys...), attr: compared}, nil
		case a.Type == schema.Complex:
			return source{raw: t.jsonRaw("r.data", keys...), attr: a}, nil
		}
		return source{text: t.document("r", keys...), attr: a}, nil
	}
	src := source{from: t.elements("e", "r.data", keys...), attr: compared, sparse: sub != nil}
	src.sub = func(name string) texts { return t.element(keys, name) }
	src.first = "COALESCE(" + t.truth(t.jsonText("e.value", "primary")) + ", " + t.falseLit() + ") DESC, " + t.position("e")
	switch {
	case a.Type != schema.Complex:
		src.elem, src.attr = t.element(keys, ""), a
	case compared != nil:
		src.elem = src.sub(compared.Name)
	}
	return src, nil
}

// element gives the forms of one element of the array at keys in r.data
// (row e of elements), or of its sub-attribute name: the folded and
// lowered forms are the same element of r.fdata and r.ldata.
func (t *translator) element(keys []string, name string) texts {
	return func(f form) string {
		if f == stored {
			if name == "" {
				if t.d.pg() {
					return "(e.value#>>'{}')"
				}
				return "e.value"
			}
			return t.jsonText("e.value", name)
		}
		doc := "r." + docColumn(f)
		if t.d.pg() {
			path := make([]string, 0, len(keys)+2)
			for _, k := range keys {
				path = append(path, "CAST("+t.arg(k)+" AS TEXT)")
			}
			path = append(path, "CAST(e.ord - 1 AS TEXT)")
			if name != "" {
				path = append(path, "CAST("+t.arg(name)+" AS TEXT)")
			}
			return "(" + doc + " #>> ARRAY[" + strings.Join(path, ", ") + "])"
		}
		path := t.arg(jsonPath(keys)) + " || '[' || e.key || ']'"
		if name != "" {
			path += " || " + t.arg(jsonPath([]string{name})[1:])
		}
		return "json_extract(" + doc + ", " + path + ")"
	}
}

// position is the position of row alias of elements, in array order.
func (t *translator) position(alias string) string {
	if t.d.pg() {
		return alias + ".ord"
	}
	return alias + ".key"
}

// groupsSub gives the sub-attributes of a user's groups, from the
// membership join: the group's id, its displayName and "direct".
func (t *translator) groupsSub(name string) texts {
	switch name {
	case "value":
		return t.fixed("gm.group_id")
	case "display":
		return func(f form) string {
			switch f {
			case folded:
				return "gg.display_name_fold"
			case lowered:
				return t.jsonText("gg.ldata", "displayName")
			}
			return "gg.display_name"
		}
	case "type":
		return t.literal("direct")
	}
	return nil
}

// truth is a JSON boolean as an SQL truth value.
func (t *translator) truth(x string) string {
	if t.d.pg() {
		return "CAST(" + x + " AS BOOLEAN)"
	}
	return x
}

// sortKey returns the ORDER BY expression of sortBy: the value, or for a
// multi-valued attribute the primary value, else the first; text in the
// attribute's case rule; "" as missing. It returns "" when no resource
// has a value to sort by (a complex attribute without "value", meta).
func (t *translator) sortKey(by filter.AttrPath) (string, error) {
	src, err := t.source(by)
	if err != nil {
		return "", err
	}
	if src.always || src.attr == nil {
		return "", nil
	}
	x := src.text
	if src.from != "" {
		if src.elem == nil {
			return "", nil
		}
		elem := src.elem
		x = func(f form) string {
			v := elem(f)
			if v == "" {
				return ""
			}
			return "(SELECT " + v + " FROM " + src.from + where(src.where) + " ORDER BY " + src.first + " LIMIT 1)"
		}
	}
	if x == nil {
		return "", nil
	}
	switch src.attr.Type {
	case schema.Integer, schema.Decimal:
		if t.d.pg() {
			return "CAST(" + x(stored) + " AS NUMERIC)", nil
		}
		return x(stored), nil
	case schema.Boolean:
		return t.truth(x(stored)), nil
	case schema.DateTime:
		return t.instant(x(stored)), nil
	}
	v := x(stored)
	if !src.attr.CaseExact && src.attr.Type != schema.Binary {
		if v = x(lowered); v == "" {
			v = "lower(" + x(stored) + ")"
		}
	}
	return t.bytewise("NULLIF(" + v + ", '')"), nil
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
