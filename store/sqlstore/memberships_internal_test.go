package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// TestSQLiteFindsAUsersGroupsByKey: every query that reads a user's
// groups (the groups column of a list, a Get's groups, a filter on
// groups) reads the user's memberships by the (dir, member_id) index and
// each group by its key, on SQLite's plan without statistics. The plan
// SQLite chose before looped over every group of the directory for each
// user: 820 µs a user lookup in a directory of 1,000 groups, against 26.
func TestSQLiteFindsAUsersGroupsByKey(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", SQLiteDSN(filepath.Join(t.TempDir(), "scim.db")))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	store, err := Open(ctx, db, SQLite, Options{})
	require.NoError(t, err)
	users := store.Users()

	tr := users.translator()
	groupsColumn, args := tr.finish("SELECT r.id, " + users.groupsColumn(tr) + " FROM " + store.resources + " r WHERE r.id = 'x'")
	queries := map[string][]any{
		"list": {groupsColumn, args},
		"get":  {users.groupsQuery(), []any{"Group", "", "x"}},
	}
	for _, f := range []string{`groups.display eq "Staff"`, `groups pr`, `groups[value eq "g"]`} {
		e, err := filter.Parse(f, schema.UserResourceType(), filter.Options{})
		require.NoError(t, err)
		tr := users.translator()
		cond, err := users.matches(tr, e)
		require.NoError(t, err)
		q, args := tr.finish("SELECT r.id FROM " + store.resources + " r WHERE " + cond)
		queries["filter "+f] = []any{q, args}
	}
	groupScan := regexp.MustCompile(`^SEARCH (g|gg) `)
	memberScan := regexp.MustCompile(`^SEARCH (m|gm) `)
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q[0].(string), q[1].([]any)...)
			require.NoError(t, err)
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
				plan = append(plan, detail)
			}
			require.NoError(t, rows.Err())
			text := strings.Join(plan, "\n")
			groups, members := 0, 0
			for _, line := range plan {
				if groupScan.MatchString(line) {
					groups++
					assert.Contains(t, line, "id=?)", "a group is found by its key:\n%s", text)
				}
				if memberScan.MatchString(line) {
					members++
					assert.Contains(t, line, "members_dir_member (dir=? AND member_id=?)", "the memberships come by member:\n%s", text)
				}
			}
			assert.Positive(t, groups, text)
			assert.Positive(t, members, text)
		})
	}
}
