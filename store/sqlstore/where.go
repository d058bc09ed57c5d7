package sqlstore

import (
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// Where translates a filter into a parameterised SQL condition over a
// host's own table, for a store over the host's model: columns maps
// attribute paths as clients write them ("userName", "name.familyName",
// "emails.value", matched case-insensitively) to column expressions. The
// condition has the semantics of filter.Match (caseExact, types, a missing
// value is not equal to anything); values are only passed as arguments. A
// path without a column is an error that names it.
func Where(e filter.Expr, rt *schema.ResourceType, d *Dialect, columns map[string]string) (cond string, args []any, err error) {
	lower := make(map[string]string, len(columns))
	for k, v := range columns {
		lower[strings.ToLower(k)] = v
	}
	t := &translator{d: d, rt: rt, columns: lower}
	cond, err = t.expr(e)
	if err != nil {
		return "", nil, err
	}
	cond, args = t.finish(cond)
	return cond, args, nil
}
