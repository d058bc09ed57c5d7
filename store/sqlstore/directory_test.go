package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/pgtest"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
)

// The store suite runs in two directories of one DB at once: each
// directory's stores behave as a store of their own, so totals, filters,
// uniqueness, cursors and members never see the other's rows.
func TestConformanceInTwoDirectoriesOfOneDB(t *testing.T) {
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			var n atomic.Int64
			for _, dir := range []string{"acme", "bolt"} {
				t.Run(dir, func(t *testing.T) {
					t.Parallel()
					storetest.Run(t, func(t *testing.T) storetest.Stores {
						users, groups := db.Directory(fmt.Sprintf("%s-%d", dir, n.Add(1)))
						return storetest.Stores{Users: users, Groups: groups}
					})
				})
			}
		})
	}
}

func userNamed(name string) *scim.Resource {
	return &scim.Resource{Attributes: map[string]any{"userName": name}}
}

func groupWith(name string, members ...string) *scim.Resource {
	list := []any{}
	for _, m := range members {
		list = append(list, map[string]any{"value": m})
	}
	return &scim.Resource{Attributes: map[string]any{"displayName": name, "members": list}}
}

func listQuery(t *testing.T, rt *schema.ResourceType, f string) *scim.Query {
	t.Helper()
	q := &scim.Query{Count: 100}
	if f != "" {
		expr, err := filter.Parse(f, rt, filter.Options{})
		require.NoError(t, err)
		q.Filter = expr
	}
	return q
}

// TestDirectoriesStayApart tries every way a store of directory b could
// reach a resource of directory a (or of the default directory) and
// expects what a store without that resource answers.
func TestDirectoriesStayApart(t *testing.T) {
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			aUsers, aGroups := db.Directory("a")
			bUsers, bGroups := db.Directory("b")
			// The same userName in the default directory, a and b.
			def, err := db.Users().Create(ctx, userNamed("bjensen"))
			require.NoError(t, err)
			ua, err := aUsers.Create(ctx, userNamed("bjensen"))
			require.NoError(t, err)
			ub, err := bUsers.Create(ctx, userNamed("BJensen"))
			require.NoError(t, err)
			ga, err := aGroups.Create(ctx, groupWith("staff", ua.ID))
			require.NoError(t, err)
			gb, err := bGroups.Create(ctx, groupWith("staff", ub.ID))
			require.NoError(t, err)
			_, err = bUsers.Create(ctx, userNamed("bjensen"))
			assert.ErrorIs(t, err, scim.ErrConflict, "userName stays unique inside a directory")

			replace := &scim.Resource{ID: ua.ID, Attributes: map[string]any{"userName": "taken"}}
			tests := []struct {
				name  string
				call  func() error
				check func(error) bool
			}{
				{"get a's user from b", func() error { _, err := bUsers.Get(ctx, ua.ID, schema.Projection{}); return err }, notFound},
				{"get a's user from the default directory", func() error { _, err := db.Users().Get(ctx, ua.ID, schema.Projection{}); return err }, notFound},
				{"get the default directory's user from a", func() error { _, err := aUsers.Get(ctx, def.ID, schema.Projection{}); return err }, notFound},
				{"get a's group from b", func() error { _, err := bGroups.Get(ctx, ga.ID, schema.Projection{}); return err }, notFound},
				{"replace a's user from b", func() error { _, err := bUsers.Replace(ctx, replace, ""); return err }, notFound},
				{"patch a's user from b", func() error {
					_, _, err := bUsers.Patch(ctx, ua.ID, replaceTitle(t), "", schema.Projection{})
					return err
				}, notFound},
				{"patch a's group from b", func() error {
					_, _, err := bGroups.Patch(ctx, ga.ID, addMember(t, ub.ID), "", schema.Projection{})
					return err
				}, notFound},
				{"delete a's user from b", func() error { return bUsers.Delete(ctx, ua.ID, "") }, notFound},
				{"delete a's group from b", func() error { return bGroups.Delete(ctx, ga.ID, "") }, notFound},
				{"create a group of b with a's user", func() error { _, err := bGroups.Create(ctx, groupWith("x", ua.ID)); return err }, invalidValue},
				{"add a's user to b's group", func() error {
					_, _, err := bGroups.Patch(ctx, gb.ID, addMember(t, ua.ID), "", schema.Projection{})
					return err
				}, invalidValue},
				{"replace b's group with a's user as member", func() error {
					_, err := bGroups.Replace(ctx, &scim.Resource{ID: gb.ID, Attributes: groupWith("staff", ua.ID).Attributes}, "")
					return err
				}, invalidValue},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					err := tt.call()
					assert.True(t, tt.check(err), "got %v", err)
				})
			}

			user, group := schema.UserResourceType(), schema.GroupResourceType()
			lists := []struct {
				name  string
				store *sqlstore.Store
				rt    *schema.ResourceType
				query string
				want  []string
			}{
				{"b's users", bUsers, user, "", []string{ub.ID}},
				{"b's userName eq", bUsers, user, `userName eq "bjensen"`, []string{ub.ID}},
				{"a's userName eq", aUsers, user, `userName eq "bjensen"`, []string{ua.ID}},
				{"default userName eq", db.Users(), user, `userName eq "bjensen"`, []string{def.ID}},
				{"b's groups", bGroups, group, "", []string{gb.ID}},
				{"b's groups with a's member", bGroups, group, fmt.Sprintf(`members.value eq %q`, ua.ID), []string{}},
				{"b's users in a group named staff", bUsers, user, `groups.display eq "staff"`, []string{ub.ID}},
				{"b's users by id of a", bUsers, user, fmt.Sprintf(`id eq %q`, ua.ID), []string{}},
			}
			for _, tt := range lists {
				t.Run(tt.name, func(t *testing.T) {
					page, err := tt.store.List(ctx, listQuery(t, tt.rt, tt.query))
					require.NoError(t, err)
					assert.Equal(t, len(tt.want), page.TotalResults, "total")
					assert.Equal(t, tt.want, ids(page))
					if len(tt.want) == 1 {
						// A full page of one: the total is counted apart,
						// in the directory too.
						q := listQuery(t, tt.rt, tt.query)
						q.Count = 1
						page, err := tt.store.List(ctx, q)
						require.NoError(t, err)
						assert.Equal(t, 1, page.TotalResults, "total of a full page of one")
					}
					page, _, err = tt.store.ListAfter(ctx, listQuery(t, tt.rt, tt.query), "")
					require.NoError(t, err)
					assert.Equal(t, len(tt.want), page.TotalResults, "total of a cursor page")
					assert.Equal(t, tt.want, ids(page), "cursor page")
				})
			}

			got, err := bUsers.Get(ctx, ub.ID, schema.Projection{})
			require.NoError(t, err)
			assert.Equal(t, []any{map[string]any{"value": gb.ID, "display": "staff", "type": "direct"}}, got.Attributes["groups"],
				"a user's groups are those of its directory")
			for _, kept := range []struct {
				store *sqlstore.Store
				id    string
			}{{aUsers, ua.ID}, {db.Users(), def.ID}} {
				got, err := kept.store.Get(ctx, kept.id, schema.Projection{})
				if assert.NoError(t, err, "the writes tried from b left a and the default directory alone") {
					assert.Equal(t, "bjensen", got.Attributes["userName"])
					assert.Equal(t, `W/"1"`, got.Meta.Version)
				}
			}

			require.NoError(t, db.DeleteDirectory(ctx, "a"))
			for _, st := range []*sqlstore.Store{aUsers, aGroups} {
				page, err := st.List(ctx, &scim.Query{Count: 100})
				require.NoError(t, err)
				assert.Zero(t, page.TotalResults, "a deleted directory holds nothing")
			}
			for _, st := range []*sqlstore.Store{bUsers, bGroups, db.Users()} {
				page, err := st.List(ctx, &scim.Query{Count: 100})
				require.NoError(t, err)
				assert.Equal(t, 1, page.TotalResults, "deleting a keeps the other directories")
			}
			g, err := bGroups.Get(ctx, gb.ID, schema.Projection{})
			require.NoError(t, err)
			assert.Len(t, g.Attributes["members"], 1, "b's members survive a's deletion")
			require.NoError(t, db.DeleteDirectory(ctx, "a"), "deleting an empty directory is not an error")
		})
	}
}

func notFound(err error) bool { return errors.Is(err, scim.ErrNotFound) }

func ids(page *scim.Page) []string {
	out := []string{}
	for _, r := range page.Resources {
		out = append(out, r.ID)
	}
	return out
}

func replaceTitle(t *testing.T) *patch.Request {
	t.Helper()
	req, err := patch.Parse(map[string]any{"schemas": []any{patch.PatchOpURN}, "Operations": []any{
		map[string]any{"op": "replace", "path": "title", "value": "boss"}}}, schema.UserResourceType(), patch.Options{})
	require.NoError(t, err)
	return req
}

// rawDatabases returns, per dialect, a function opening an empty database
// and the table prefix to use in it.
func rawDatabases() map[string]func(t *testing.T) (*sql.DB, sqlstore.Dialect, string) {
	return map[string]func(t *testing.T) (*sql.DB, sqlstore.Dialect, string){
		"SQLite": func(t *testing.T) (*sql.DB, sqlstore.Dialect, string) {
			db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "old.db")))
			require.NoError(t, err)
			db.SetMaxOpenConns(1)
			t.Cleanup(func() { db.Close() })
			return db, sqlstore.SQLite, "scim_"
		},
		"PostgreSQL": func(t *testing.T) (*sql.DB, sqlstore.Dialect, string) {
			db, prefix := pgtest.Open(t)
			return db, sqlstore.Postgres, prefix
		},
	}
}

// TestOpenUpgradesTablesWithoutDirectories: tables created before
// directories existed get the directory column; their rows are the
// default directory's, and their userName index no longer keeps a name
// from being used in another directory.
func TestOpenUpgradesTablesWithoutDirectories(t *testing.T) {
	for name, open := range rawDatabases() {
		t.Run(name, func(t *testing.T) {
			db, d, prefix := open(t)
			ctx := context.Background()
			r, m := prefix+"resources", prefix+"members"
			seq, data, ts, now := "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "TEXT", "'2025-01-01T00:00:00.000Z'"
			if d == sqlstore.Postgres {
				seq, data, ts, now = "BIGSERIAL PRIMARY KEY", "JSONB", "TIMESTAMPTZ", "now()"
			}
			// The tables as Open created them before directories.
			for _, stmt := range []string{
				`CREATE TABLE ` + r + ` (seq ` + seq + `, type TEXT NOT NULL, id TEXT NOT NULL, version BIGINT NOT NULL,
					created ` + ts + ` NOT NULL, last_modified ` + ts + ` NOT NULL, user_name TEXT, user_name_lower TEXT,
					user_name_fold TEXT, external_id TEXT, display_name TEXT, display_name_fold TEXT,
					data ` + data + ` NOT NULL, fdata ` + data + ` NOT NULL, ldata ` + data + ` NOT NULL, UNIQUE (type, id))`,
				`CREATE UNIQUE INDEX ` + r + `_user_name_lower ON ` + r + ` (type, user_name_lower)`,
				`CREATE INDEX ` + r + `_user_name_fold ON ` + r + ` (type, user_name_fold)`,
				`CREATE INDEX ` + r + `_id ON ` + r + ` (id)`,
				`CREATE TABLE ` + m + ` (seq ` + seq + `, group_id TEXT NOT NULL, member_id TEXT NOT NULL,
					data ` + data + ` NOT NULL, fdata ` + data + ` NOT NULL, ldata ` + data + ` NOT NULL, UNIQUE (group_id, member_id))`,
				`CREATE INDEX ` + m + `_member ON ` + m + ` (member_id)`,
				`INSERT INTO ` + r + ` (type, id, version, created, last_modified, user_name, user_name_lower, user_name_fold, data, fdata, ldata)
					VALUES ('User', 'old-1', 1, ` + now + `, ` + now + `, 'bjensen', 'bjensen', 'BJENSEN', '{"userName":"bjensen"}', '{}', '{}')`,
			} {
				_, err := db.ExecContext(ctx, stmt)
				require.NoError(t, err, stmt)
			}
			for i := range 2 { // a second Open finds the tables up to date
				store, err := sqlstore.Open(ctx, db, d, sqlstore.Options{TablePrefix: prefix})
				require.NoError(t, err)
				got, err := store.Users().Get(ctx, "old-1", schema.Projection{})
				require.NoError(t, err, "an old row belongs to the default directory")
				assert.Equal(t, "bjensen", got.Attributes["userName"])
				users, _ := store.Directory(fmt.Sprintf("acme-%d", i))
				_, err = users.Create(ctx, userNamed("bjensen"))
				assert.NoError(t, err, "the old unique index is gone: another directory may use the name")
				_, err = store.Users().Create(ctx, userNamed("BJENSEN"))
				assert.ErrorIs(t, err, scim.ErrConflict, "the default directory keeps the name unique")
			}
		})
	}
}
