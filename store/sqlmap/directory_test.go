package sqlmap_test

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlmap"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
)

// directoryStores returns stores over host tables with a directory
// column, whose unique index leads with it.
func directoryStores(t *testing.T, dialect string) *sqlmap.Stores {
	t.Helper()
	db, d, p := open(t, dialect)
	key, ts := "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"
	if d == sqlstore.Postgres {
		key, ts = "BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"
	}
	for _, q := range []string{
		`CREATE TABLE ` + p + `dpeople (id ` + key + `, tenant TEXT NOT NULL, scim_id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL,
			created_at ` + ts + `, updated_at ` + ts + `, login TEXT NOT NULL, display TEXT)`,
		`CREATE UNIQUE INDEX ` + p + `dpeople_login ON ` + p + `dpeople (tenant, lower(login))`,
		`CREATE TABLE ` + p + `dteams (id ` + key + `, tenant TEXT NOT NULL, scim_id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL,
			created_at ` + ts + `, updated_at ` + ts + `, name TEXT NOT NULL)`,
		`CREATE TABLE ` + p + `dteam_members (team_id BIGINT NOT NULL, person_id BIGINT NOT NULL, PRIMARY KEY (team_id, person_id))`,
	} {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	st, err := sqlmap.New(db, sqlmap.Mapping{Dialect: d,
		Users: &sqlmap.Table{Name: p + "dpeople", ID: "scim_id", Key: "id", Version: "version", Directory: "tenant", Created: "created_at", Modified: "updated_at",
			Columns: []sqlmap.Column{{Path: "userName", Name: "login"}, {Path: "displayName", Name: "display"}}},
		Groups: &sqlmap.Table{Name: p + "dteams", ID: "scim_id", Key: "id", Version: "version", Directory: "tenant", Created: "created_at", Modified: "updated_at",
			Columns: []sqlmap.Column{{Path: "displayName", Name: "name"}}},
		Members: &sqlmap.Members{Table: p + "dteam_members", Group: "team_id", Member: "person_id"},
	})
	require.NoError(t, err)
	return st
}

func inDirectory(t *testing.T, st *sqlmap.Stores, dir string) *sqlmap.Stores {
	t.Helper()
	out, err := st.InDirectory(dir)
	require.NoError(t, err)
	return out
}

// The contract suite in two directories of one set of tables at once.
func TestConformanceInTwoDirectories(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			st := directoryStores(t, dialect)
			var n atomic.Int64
			for _, dir := range []string{"acme", "bolt"} {
				t.Run(dir, func(t *testing.T) {
					t.Parallel()
					storetest.RunWith(t, capabilities(st), func(t *testing.T) storetest.Stores {
						d := inDirectory(t, st, fmt.Sprintf("%s-%d", dir, n.Add(1)))
						return storetest.Stores{Users: d.Users(), Groups: d.Groups()}
					})
				})
			}
		})
	}
}

// TestDirectoriesStayApart: nothing of directory a is reachable from b,
// the same userName lives in both, and deleting a keeps b.
func TestDirectoriesStayApart(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			st := directoryStores(t, dialect)
			a, b := inDirectory(t, st, "a"), inDirectory(t, st, "b")
			ua, err := a.Users().Create(ctx, user("bjensen"))
			require.NoError(t, err)
			ub, err := b.Users().Create(ctx, user("BJensen"))
			require.NoError(t, err, "the same userName in another directory")
			_, err = st.Users().Create(ctx, user("bjensen"))
			require.NoError(t, err, "and in the default directory")
			_, err = b.Users().Create(ctx, user("bjensen"))
			assert.ErrorIs(t, err, scim.ErrConflict)
			gb, err := b.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "staff",
				"members": []any{map[string]any{"value": ub.ID}}}})
			require.NoError(t, err)

			tests := []struct {
				name string
				call func() error
				want func(error) bool
			}{
				{"get", func() error { _, err := b.Users().Get(ctx, ua.ID, schema.Projection{}); return err }, isNotFound},
				{"get from the default directory", func() error { _, err := st.Users().Get(ctx, ua.ID, schema.Projection{}); return err }, isNotFound},
				{"replace", func() error {
					_, err := b.Users().Replace(ctx, &scim.Resource{ID: ua.ID, Attributes: map[string]any{"userName": "x"}}, "")
					return err
				}, isNotFound},
				{"delete", func() error { return b.Users().Delete(ctx, ua.ID, "") }, isNotFound},
				{"member of another directory", func() error {
					_, err := b.Groups().Replace(ctx, &scim.Resource{ID: gb.ID, Attributes: map[string]any{"displayName": "staff",
						"members": []any{map[string]any{"value": ua.ID}}}}, "")
					return err
				}, isInvalidValue},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) { assert.True(t, tt.want(tt.call()), "got %v", tt.call()) })
			}
			page, err := b.Users().List(ctx, &scim.Query{Count: 10})
			require.NoError(t, err)
			assert.Equal(t, 1, page.TotalResults, "b lists its own users only")

			require.NoError(t, a.DeleteDirectory(ctx))
			_, err = a.Users().Get(ctx, ua.ID, schema.Projection{})
			assert.ErrorIs(t, err, scim.ErrNotFound)
			g, err := b.Groups().Get(ctx, gb.ID, schema.Projection{})
			require.NoError(t, err)
			assert.Len(t, g.Attributes["members"], 1, "b is untouched")

			for _, bad := range []string{"", "a'b", "a b"} {
				_, err := st.InDirectory(bad)
				assert.Error(t, err, "directory id %q", bad)
			}
		})
	}
}

func isNotFound(err error) bool { return errorsIs(err, scim.ErrNotFound) }

func isInvalidValue(err error) bool {
	se, ok := asSCIMError(err)
	return ok && se.Status() == 400 && se.ScimType() == "invalidValue"
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func asSCIMError(err error) (*scim.Error, bool) {
	var se *scim.Error
	return se, errors.As(err, &se)
}
