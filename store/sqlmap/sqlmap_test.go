package sqlmap_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/pgtest"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlmap"
	"github.com/scimkit/scim/store/sqlstore"
)

const enterprise = schema.EnterpriseUserSchemaURN

// hostTables are a host application's own tables: people with an integer
// key of its own, teams and their members.
func hostTables(d sqlstore.Dialect, p string) []string {
	key, boolean, ts := "INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER", "TEXT"
	if d == sqlstore.Postgres {
		key, boolean, ts = "BIGSERIAL PRIMARY KEY", "BOOLEAN", "TIMESTAMPTZ"
	}
	return []string{
		`CREATE TABLE ` + p + `people (id ` + key + `, scim_id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL,
			created_at ` + ts + `, updated_at ` + ts + `, login TEXT NOT NULL, first_name TEXT, last_name TEXT, display TEXT,
			email TEXT, active ` + boolean + `, ext_ref TEXT, lang TEXT, code TEXT, boss TEXT, removed_at ` + ts + `,
			login_fold TEXT, first_name_fold TEXT, last_name_fold TEXT, display_fold TEXT, email_fold TEXT, lang_fold TEXT, code_fold TEXT)`,
		`CREATE UNIQUE INDEX ` + p + `people_login ON ` + p + `people (login_fold) WHERE removed_at IS NULL`,
		`CREATE TABLE ` + p + `teams (id ` + key + `, scim_id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL,
			created_at ` + ts + `, updated_at ` + ts + `, name TEXT NOT NULL, name_fold TEXT, ext_ref TEXT)`,
		`CREATE TABLE ` + p + `team_members (team_id BIGINT NOT NULL, person_id BIGINT NOT NULL, PRIMARY KEY (team_id, person_id))`,
	}
}

// mapping declares the host tables of prefix p.
func mapping(d sqlstore.Dialect, p string, hide bool) sqlmap.Mapping {
	m := sqlmap.Mapping{Dialect: d,
		Users: &sqlmap.Table{Name: p + "people", ID: "scim_id", Key: "id", Version: "version", Created: "created_at", Modified: "updated_at",
			Columns: []sqlmap.Column{
				{Path: "userName", Name: "login", Fold: "login_fold"},
				{Path: "name.givenName", Name: "first_name", Fold: "first_name_fold"},
				{Path: "name.familyName", Name: "last_name", Fold: "last_name_fold"},
				{Path: "displayName", Name: "display", Fold: "display_fold"},
				{Path: "emails.value", Name: "email", Type: "work", Fold: "email_fold"}, {Path: "active", Name: "active"},
				{Path: "externalId", Name: "ext_ref"}, {Path: "preferredLanguage", Name: "lang", Fold: "lang_fold"},
				{Path: enterprise + ":employeeNumber", Name: "code", Fold: "code_fold"}, {Path: enterprise + ":manager.value", Name: "boss"},
			}},
		Groups: &sqlmap.Table{Name: p + "teams", ID: "scim_id", Key: "id", Version: "version", Created: "created_at", Modified: "updated_at",
			Columns: []sqlmap.Column{{Path: "displayName", Name: "name", Fold: "name_fold"}, {Path: "externalId", Name: "ext_ref"}}},
		Members: &sqlmap.Members{Table: p + "team_members", Group: "team_id", Member: "person_id"},
	}
	if hide {
		m.Users.Hide = "removed_at"
	}
	return m
}

// open returns a fresh set of host tables in each dialect, by name;
// PostgreSQL is skipped without SCIM_POSTGRES_DSN.
func open(t *testing.T, dialect string) (*sql.DB, sqlstore.Dialect, string) {
	t.Helper()
	var db *sql.DB
	var err error
	d, prefix := sqlstore.SQLite, ""
	if dialect == "PostgreSQL" {
		d = sqlstore.Postgres
		db, prefix = pgtest.Open(t) // drops the tables when the test ends
	} else {
		db, err = sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "host.db")))
		require.NoError(t, err)
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
	}
	for _, q := range hostTables(d, prefix) {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	return db, d, prefix
}

var dialects = []string{"SQLite", "PostgreSQL"}

func newStores(t *testing.T, dialect string, hide bool) *sqlmap.Stores {
	db, d, p := open(t, dialect)
	st, err := sqlmap.New(db, mapping(d, p, hide))
	require.NoError(t, err)
	return st
}

var ctx = context.Background()

func user(name string) *scim.Resource {
	return &scim.Resource{Attributes: map[string]any{"userName": name, "active": true}}
}

// TestIDs: ids are never reused after a delete, in either DELETE mode, and
// never shared between Users and Groups; a stale DELETE meant for a
// deleted user does not reach a newer one.
func TestIDs(t *testing.T) {
	for _, dialect := range dialects {
		for _, hide := range []bool{false, true} {
			t.Run(dialect+"/hide="+map[bool]string{false: "no", true: "yes"}[hide], func(t *testing.T) {
				st := newStores(t, dialect, hide)
				seen := map[string]bool{}
				first, err := st.Users().Create(ctx, user("alice"))
				require.NoError(t, err)
				seen[first.ID] = true
				require.NoError(t, st.Users().Delete(ctx, first.ID, first.Meta.Version))
				second, err := st.Users().Create(ctx, user("alice"))
				require.NoError(t, err)
				assert.False(t, seen[second.ID], "an id is never reused after a delete")
				seen[second.ID] = true
				assert.Equal(t, first.Meta.Version, second.Meta.Version, "both are at their first version")

				err = st.Users().Delete(ctx, first.ID, first.Meta.Version)
				assert.ErrorIs(t, err, scim.ErrNotFound, "a stale DELETE finds nothing")
				_, err = st.Users().Get(ctx, second.ID, schema.Projection{})
				assert.NoError(t, err, "and leaves the new user alone")

				for i := 0; i < 3; i++ {
					g, err := st.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "team"}})
					require.NoError(t, err)
					u, err := st.Users().Create(ctx, user("u"+string(rune('a'+i))))
					require.NoError(t, err)
					assert.False(t, seen[g.ID] || seen[u.ID] || g.ID == u.ID, "ids are never shared")
					seen[g.ID], seen[u.ID] = true, true
				}
			})
		}
	}
}

func TestRoundTripAndTrimmedType(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			st := newStores(t, dialect, false)
			in := map[string]any{
				"userName": "bjensen", "name": map[string]any{"givenName": "Barbara", "familyName": "Jensen", "middleName": "dropped"},
				"displayName": "Babs", "nickName": "dropped", "active": false, "externalId": "e-1", "preferredLanguage": "en-GB",
				"emails":   []any{map[string]any{"value": "home@example.com", "type": "home"}, map[string]any{"value": "work@example.com", "type": "work", "primary": true}},
				enterprise: map[string]any{"employeeNumber": "701984", "manager": map[string]any{"value": "m-1"}, "costCenter": "dropped"},
			}
			r, err := st.Users().Create(ctx, &scim.Resource{Attributes: in})
			require.NoError(t, err)
			assert.Equal(t, map[string]any{
				"userName": "bjensen", "name": map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
				"displayName": "Babs", "active": false, "externalId": "e-1", "preferredLanguage": "en-GB",
				"emails":   []any{map[string]any{"value": "work@example.com", "type": "work", "primary": true}},
				enterprise: map[string]any{"employeeNumber": "701984", "manager": map[string]any{"value": "m-1"}},
			}, r.Attributes)
			assert.False(t, r.Meta.Created.IsZero())
			assert.Equal(t, `W/"1"`, r.Meta.Version)

			rt := st.Users().ResourceType()
			for _, p := range []string{"userName", "name.givenName", "emails.value", "emails.type", "groups.value", enterprise + ":employeeNumber"} {
				_, ok := rt.LookupPath(p)
				assert.True(t, ok, p)
			}
			for _, p := range []string{"nickName", "name.middleName", "title", "password", enterprise + ":costCenter"} {
				_, ok := rt.LookupPath(p)
				assert.False(t, ok, "%s is not kept, so not advertised", p)
			}
		})
	}
}

func TestWrites(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			st := newStores(t, dialect, true)
			a, err := st.Users().Create(ctx, user("alice"))
			require.NoError(t, err)
			_, err = st.Users().Create(ctx, user("ALICE"))
			assert.ErrorIs(t, err, scim.ErrConflict, "the host's unique index decides")

			_, err = st.Users().Replace(ctx, &scim.Resource{ID: a.ID, Attributes: map[string]any{"userName": "alice2"}}, `W/"9"`)
			assert.ErrorIs(t, err, scim.ErrPreconditionFailed)
			_, err = st.Users().Replace(ctx, &scim.Resource{ID: "nope", Attributes: map[string]any{"userName": "x"}}, "")
			assert.ErrorIs(t, err, scim.ErrNotFound)
			b, err := st.Users().Replace(ctx, &scim.Resource{ID: a.ID, Attributes: map[string]any{"userName": "alice2"}}, a.Meta.Version)
			require.NoError(t, err)
			assert.Equal(t, `W/"2"`, b.Meta.Version)
			assert.Equal(t, map[string]any{"userName": "alice2"}, b.Attributes, "a replace clears what it does not carry")

			assert.ErrorIs(t, st.Users().Delete(ctx, a.ID, a.Meta.Version), scim.ErrPreconditionFailed)
			require.NoError(t, st.Users().Delete(ctx, a.ID, b.Meta.Version))
			_, err = st.Users().Get(ctx, a.ID, schema.Projection{})
			assert.ErrorIs(t, err, scim.ErrNotFound, "a hidden row is not found")
			_, err = st.Users().Create(ctx, user("alice2"))
			assert.NoError(t, err, "its userName is free again")
		})
	}
}

func TestMembership(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			st := newStores(t, dialect, true)
			alice, err := st.Users().Create(ctx, user("alice"))
			require.NoError(t, err)
			bob, err := st.Users().Create(ctx, user("bob"))
			require.NoError(t, err)
			members := func(ids ...string) []any {
				var out []any
				for _, id := range ids {
					out = append(out, map[string]any{"value": id})
				}
				return out
			}
			g, err := st.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Support", "members": members(alice.ID, bob.ID)}})
			require.NoError(t, err)
			assert.ElementsMatch(t, members(alice.ID, bob.ID), stripType(g.Attributes["members"]))
			_, err = st.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Bad", "members": members("nobody")}})
			var se *schema.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, schema.InvalidValue, se.Code)

			u, err := st.Users().Get(ctx, alice.ID, schema.Projection{})
			require.NoError(t, err)
			assert.Equal(t, []any{map[string]any{"value": g.ID, "display": "Support", "type": "direct"}}, u.Attributes["groups"])

			g2, err := st.Groups().Replace(ctx, &scim.Resource{ID: g.ID, Attributes: map[string]any{"displayName": "Support", "members": members(bob.ID)}}, g.Meta.Version)
			require.NoError(t, err)
			assert.Equal(t, members(bob.ID), stripType(g2.Attributes["members"]))
			noMembers, err := st.Groups().Get(ctx, g.ID, schema.Projection{ExcludedAttributes: []string{"members"}})
			require.NoError(t, err)
			assert.NotContains(t, noMembers.Attributes, "members")

			require.NoError(t, st.Users().Delete(ctx, bob.ID, ""))
			g3, err := st.Groups().Get(ctx, g.ID, schema.Projection{})
			require.NoError(t, err)
			assert.NotContains(t, g3.Attributes, "members", "a hidden user is no member")
		})
	}
}

func stripType(v any) []any {
	list, _ := v.([]any)
	out := []any{}
	for _, m := range list {
		c := map[string]any{}
		for k, x := range m.(map[string]any) {
			if !strings.EqualFold(k, "type") {
				c[k] = x
			}
		}
		out = append(out, c)
	}
	return out
}
