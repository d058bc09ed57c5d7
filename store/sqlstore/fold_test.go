package sqlstore_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// foldPairs are users whose names only Unicode case folding relates to
// the values below; no two are equal under case folding ("σίσυφος" is
// "ΣΊΣΥΦΟΣ", and is refused beside it in every store).
var foldPairs = []string{"ÄRGER@x", "straße", "ΣΊΣΥΦΟΣ", "ıi", "İstanbul", "\u212aelvin", "\u017ftop", "ǅemal", "été"}

// TestUnicodeCaseFolding checks filters, sorting and userName uniqueness
// on names that differ beyond ASCII against the memory store, on both
// dialects.
func TestUnicodeCaseFolding(t *testing.T) {
	rt := schema.UserResourceType()
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			mem := memory.New()
			ctx := context.Background()
			for _, u := range foldPairs {
				attrs := map[string]any{"userName": u, "title": strings.ToUpper(u), "emails": []any{map[string]any{"value": u, "primary": true}}}
				_, err := mem.Users().Create(ctx, &scim.Resource{Attributes: attrs})
				require.NoError(t, err)
				_, err = db.Users().Create(ctx, &scim.Resource{Attributes: attrs})
				require.NoError(t, err)
			}
			t.Run("uniqueness", func(t *testing.T) {
				for _, u := range []string{"ärger@x", "ärger@X", "STRASSE", "σίσυφοσ", "σίσυφος", "ISTANBUL", "i̇stanbul", "kelvin", "stop", "ǆemal", "ÉTÉ"} {
					_, merr := mem.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": u}})
					_, serr := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": u}})
					if merr != nil {
						assert.ErrorIs(t, serr, scim.ErrConflict, "%s: the memory store answers %v", u, merr)
					} else {
						assert.NoError(t, serr, "%s is not taken in the memory store", u)
					}
				}
			})
			all, err := mem.Users().List(ctx, &scim.Query{StartIndex: 1, Count: 100})
			require.NoError(t, err)
			docs := make([]map[string]any, len(all.Resources))
			for i, r := range all.Resources {
				docs[i] = scim.Document(rt, r)
			}
			values := []string{"ärger@x", "ÄRGER@X", "STRASSE", "straẞe", "σίσυφος", "σίσυφοσ", "ΣΊΣΥΦΟΣ", "ς", "İ", "ı", "i", "I",
				"kelvin", "k", "K", "\u212a", "stop", "s", "ǆ", "Ǆ", "ÉTÉ", "é"}
			for _, attr := range []string{"userName", "title", "emails", "emails.value"} {
				for _, op := range []string{"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"} {
					for _, v := range values {
						f := attr + " " + op + ` "` + v + `"`
						e, err := filter.Parse(f, rt, filter.Options{})
						require.NoError(t, err)
						for _, desc := range []bool{false, true} {
							if raceEnabled && desc != (len(v)%2 == 0) {
								continue // one order per value under the race detector
							}
							by, err := filter.ParseAttrPath(attr, rt)
							require.NoError(t, err)
							q := &scim.Query{Filter: e, StartIndex: 1, Count: 100, SortBy: &by, Descending: desc}
							got, err := db.Users().List(ctx, q)
							if assert.NoError(t, err, f) {
								assert.Equal(t, evaluate(docs, q), userNames(got), "%s sorted by %s descending %v", f, attr, desc)
							}
						}
					}
				}
			}
		})
	}
}

// TestUserNameLookupIsIndexed: the hot path of a sync cycle, userName eq,
// is an index lookup, not a scan, in both databases.
func TestUserNameLookupIsIndexed(t *testing.T) {
	for name, open := range map[string]func(testing.TB) (*sqlstore.DB, *sql.DB, string){
		"SQLite":     func(t testing.TB) (*sqlstore.DB, *sql.DB, string) { s, db := openSQLiteRaw(t); return s, db, "scim_" },
		"PostgreSQL": openPostgresRaw,
	} {
		t.Run(name, func(t *testing.T) {
			_, db, prefix := open(t)
			query := "EXPLAIN QUERY PLAN SELECT id FROM " + prefix + "resources r WHERE r.dir = '' AND r.type = 'User' AND (r.user_name_fold = 'BJENSEN')"
			if name == "PostgreSQL" {
				// Enough rows that a scan would cost more than the index.
				_, err := db.Exec("INSERT INTO " + prefix + "resources (type, id, version, created, last_modified, user_name," +
					" user_name_lower, user_name_fold, data, fdata, ldata) SELECT 'User', 'id' || g, 1, now(), now(), 'u' || g," +
					" 'u' || g, 'U' || g, '{}', '{}', '{}' FROM generate_series(1, 5000) g")
				require.NoError(t, err)
				_, err = db.Exec("ANALYZE " + prefix + "resources")
				require.NoError(t, err)
				query = "EXPLAIN SELECT id FROM " + prefix + "resources r WHERE r.dir = '' AND r.type = 'User' AND (r.user_name_fold = 'BJENSEN')"
			}
			rows, err := db.Query(query)
			require.NoError(t, err)
			defer rows.Close()
			cols, err := rows.Columns()
			require.NoError(t, err)
			var plan []string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				require.NoError(t, rows.Scan(ptrs...))
				for _, v := range vals {
					if b, ok := v.([]byte); ok {
						v = string(b)
					}
					if s, ok := v.(string); ok {
						plan = append(plan, s)
					}
				}
			}
			text := strings.Join(plan, "\n")
			assert.Contains(t, text, prefix+"resources_dir_user_name_fold", "the plan uses the folded userName index, led by the directory:\n%s", text)
		})
	}
}
