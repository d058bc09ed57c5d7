package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/pgtest"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
)

// shared opens a database of the dialect and returns a function that
// opens a sqlstore.DB over its tables with opts, as each process of a
// deployment sharing one database does: every call gives a DB, and so a
// snapshot cache, of its own. It also returns the *sql.DB.
func shared(t *testing.T, dialect string) (func(opts sqlstore.Options) *sqlstore.DB, *sql.DB) {
	t.Helper()
	var db *sql.DB
	var d sqlstore.Dialect
	var prefix string
	switch dialect {
	case "SQLite":
		var err error
		db, err = sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "scim.db")))
		require.NoError(t, err)
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		d = sqlstore.SQLite
	default:
		db, prefix = pgtest.Open(t)
		d = sqlstore.Postgres
	}
	return func(opts sqlstore.Options) *sqlstore.DB {
		t.Helper()
		opts.TablePrefix = prefix
		store, err := sqlstore.Open(context.Background(), db, d, opts)
		require.NoError(t, err)
		return store
	}, db
}

func snapshotDialects() []string { return []string{"SQLite", "PostgreSQL"} }

func patchOps(t testing.TB, rt *schema.ResourceType, ops string) *patch.Request {
	t.Helper()
	req, err := parseOps(rt, ops)
	require.NoError(t, err)
	return req
}

// parseOps parses the PATCH request of the operations ops, a JSON array.
func parseOps(rt *schema.ResourceType, ops string) (*patch.Request, error) {
	body, err := schema.Decode(strings.NewReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`))
	if err != nil {
		return nil, err
	}
	return patch.Parse(body, rt, patch.Options{})
}

// byID is the query of ListSnapshots that selects the resource id.
func byID(t testing.TB, rt *schema.ResourceType, id string) *scim.Query {
	t.Helper()
	e, err := filter.Parse(`id eq "`+id+`"`, rt, filter.Options{})
	require.NoError(t, err)
	return &scim.Query{Filter: e, StartIndex: 1, Count: 10}
}

// readers are the two snapshot reads, each returning the snapshot of one
// resource or scim.ErrNotFound.
var snapReads = map[string]func(t testing.TB, s *sqlstore.Store, rt *schema.ResourceType, id string) (*scim.Snapshot, error){
	"GetSnapshot": func(_ testing.TB, s *sqlstore.Store, _ *schema.ResourceType, id string) (*scim.Snapshot, error) {
		return s.GetSnapshot(context.Background(), id)
	},
	"ListSnapshots": func(t testing.TB, s *sqlstore.Store, rt *schema.ResourceType, id string) (*scim.Snapshot, error) {
		found, total, err := s.ListSnapshots(context.Background(), byID(t, rt, id))
		if err != nil {
			return nil, err
		}
		if total != len(found) || total > 1 {
			return nil, fmt.Errorf("ListSnapshots: %d snapshots, total %d", len(found), total)
		}
		if total == 0 {
			return nil, scim.ErrNotFound
		}
		return found[0], nil
	},
}

// sameAsGet asserts that snap shows what Get returns with the zero
// projection.
func sameAsGet(t *testing.T, s *sqlstore.Store, snap *scim.Snapshot, msg string) {
	t.Helper()
	got, err := s.Get(context.Background(), snap.Resource().ID, schema.Projection{})
	require.NoError(t, err, msg)
	assert.Equal(t, got, snap.Resource(), msg)
}

// displays returns the display of each value of a multi-valued attribute
// of complex values, such as members or groups.
func displays(attrs map[string]any, name string) []any {
	var out []any
	list, _ := attrs[name].([]any)
	for _, v := range list {
		out = append(out, v.(map[string]any)["display"])
	}
	return out
}

// values returns the value of each value of a multi-valued attribute.
func values(attrs map[string]any, name string) []any {
	var out []any
	list, _ := attrs[name].([]any)
	for _, v := range list {
		out = append(out, v.(map[string]any)["value"])
	}
	return out
}

// Snapshots are cached between reads, so every change of what a resource
// shows must reach the next snapshot read, whether it was written through
// the same DB or through another one over the same tables (another
// process, whose cache hears of nothing), and a snapshot already read
// must not change.
func TestSnapshotsFollowEveryChange(t *testing.T) {
	ctx := context.Background()
	urt, grt := schema.UserResourceType(), schema.GroupResourceType()
	type fixture struct {
		// w is the DB that writes, r the one whose snapshots are read.
		w, r               *sqlstore.DB
		user, other, group string
	}
	tests := []struct {
		name   string
		change func(t *testing.T, f fixture)
		// read names the resource whose snapshot is checked; want checks
		// what it shows after the change, or gone says it is deleted.
		read func(f fixture) (*sqlstore.Store, *schema.ResourceType, string)
		want func(t *testing.T, f fixture, attrs map[string]any)
		gone bool
	}{
		{name: "replacing a user",
			change: func(t *testing.T, f fixture) {
				_, err := f.w.Users().Replace(ctx, &scim.Resource{ID: f.user, Attributes: map[string]any{"userName": "new"}}, "")
				require.NoError(t, err)
			},
			read: func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Users(), urt, f.user },
			want: func(t *testing.T, _ fixture, attrs map[string]any) {
				assert.Equal(t, "new", attrs["userName"])
				assert.Equal(t, []any{"Staff"}, displays(attrs, "groups"), "a replace keeps the computed groups")
			}},
		{name: "patching a user",
			change: func(t *testing.T, f fixture) {
				_, _, err := f.w.Users().Patch(ctx, f.user, patchOps(t, urt, `[{"op":"replace","path":"active","value":false}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			read: func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Users(), urt, f.user },
			want: func(t *testing.T, _ fixture, attrs map[string]any) { assert.Equal(t, false, attrs["active"]) }},
		{name: "renaming the group changes its members' groups",
			change: func(t *testing.T, f fixture) {
				_, _, err := f.w.Groups().Patch(ctx, f.group, patchOps(t, grt, `[{"op":"replace","path":"displayName","value":"Renamed"}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			read: func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Users(), urt, f.user },
			want: func(t *testing.T, _ fixture, attrs map[string]any) {
				assert.Equal(t, []any{"Renamed"}, displays(attrs, "groups"))
			}},
		{name: "removing the user from its group changes the user's groups",
			change: func(t *testing.T, f fixture) {
				_, _, err := f.w.Groups().Patch(ctx, f.group, patchOps(t, grt, `[{"op":"remove","path":"members"}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			read: func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Users(), urt, f.user },
			want: func(t *testing.T, _ fixture, attrs map[string]any) { assert.Nil(t, attrs["groups"]) }},
		{name: "removing the member changes the group's members",
			change: func(t *testing.T, f fixture) {
				_, _, err := f.w.Groups().Patch(ctx, f.group, patchOps(t, grt, `[{"op":"remove","path":"members"}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			read: func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Groups(), grt, f.group },
			want: func(t *testing.T, _ fixture, attrs map[string]any) { assert.Nil(t, attrs["members"]) }},
		{name: "adding a member changes the user's groups",
			change: func(t *testing.T, f fixture) {
				_, _, err := f.w.Groups().Patch(ctx, f.group, patchOps(t, grt, `[{"op":"add","path":"members","value":[{"value":"`+f.other+`"}]}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			read: func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Users(), urt, f.other },
			want: func(t *testing.T, _ fixture, attrs map[string]any) {
				assert.Equal(t, []any{"Staff"}, displays(attrs, "groups"))
			}},
		{name: "adding a member changes the group's members",
			change: func(t *testing.T, f fixture) {
				_, _, err := f.w.Groups().Patch(ctx, f.group, patchOps(t, grt, `[{"op":"add","path":"members","value":[{"value":"`+f.other+`"}]}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			read: func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Groups(), grt, f.group },
			want: func(t *testing.T, f fixture, attrs map[string]any) {
				assert.Equal(t, []any{f.user, f.other}, values(attrs, "members"))
			}},
		{name: "replacing the group changes its members",
			change: func(t *testing.T, f fixture) {
				_, err := f.w.Groups().Replace(ctx, &scim.Resource{ID: f.group, Attributes: map[string]any{"displayName": "Staff",
					"members": []any{map[string]any{"value": f.other}}}}, "")
				require.NoError(t, err)
			},
			read: func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Groups(), grt, f.group },
			want: func(t *testing.T, f fixture, attrs map[string]any) {
				assert.Equal(t, []any{f.other}, values(attrs, "members"))
			}},
		{name: "a member removed and added back with other data",
			// The set of members stays, so the patch changes nothing a
			// change hook hears of, but the member's row is written again.
			change: func(t *testing.T, f fixture) {
				_, _, err := f.w.Groups().Patch(ctx, f.group, patchOps(t, grt, `[{"op":"remove","path":"members"},`+
					`{"op":"add","path":"members","value":[{"value":"`+f.user+`","display":"Barbara"}]}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			read: func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Groups(), grt, f.group },
			want: func(t *testing.T, _ fixture, attrs map[string]any) {
				assert.Equal(t, []any{"Barbara"}, displays(attrs, "members"))
			}},
		{name: "deleting the group changes its members' groups",
			change: func(t *testing.T, f fixture) { require.NoError(t, f.w.Groups().Delete(ctx, f.group, "")) },
			read:   func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Users(), urt, f.user },
			want:   func(t *testing.T, _ fixture, attrs map[string]any) { assert.Nil(t, attrs["groups"]) }},
		{name: "deleting the member changes the group's members",
			change: func(t *testing.T, f fixture) { require.NoError(t, f.w.Users().Delete(ctx, f.user, "")) },
			read:   func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Groups(), grt, f.group },
			want:   func(t *testing.T, _ fixture, attrs map[string]any) { assert.Nil(t, attrs["members"]) }},
		{name: "deleting the user",
			change: func(t *testing.T, f fixture) { require.NoError(t, f.w.Users().Delete(ctx, f.user, "")) },
			read:   func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Users(), urt, f.user },
			gone:   true},
		{name: "deleting the group",
			change: func(t *testing.T, f fixture) { require.NoError(t, f.w.Groups().Delete(ctx, f.group, "")) },
			read:   func(f fixture) (*sqlstore.Store, *schema.ResourceType, string) { return f.r.Groups(), grt, f.group },
			gone:   true},
	}
	for _, dialect := range snapshotDialects() {
		for _, via := range []string{"the same DB", "another DB"} {
			for rname, read := range snapReads {
				for _, tt := range tests {
					t.Run(dialect+"/"+via+"/"+rname+"/"+tt.name, func(t *testing.T) {
						open, _ := shared(t, dialect)
						f := fixture{r: open(sqlstore.Options{})}
						f.w = f.r
						if via == "another DB" {
							f.w = open(sqlstore.Options{})
						}
						u, err := f.w.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "bjensen", "active": true}})
						require.NoError(t, err)
						o, err := f.w.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "jsmith"}})
						require.NoError(t, err)
						g, err := f.w.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Staff",
							"members": []any{map[string]any{"value": u.ID}}}})
						require.NoError(t, err)
						f.user, f.other, f.group = u.ID, o.ID, g.ID

						store, rt, id := tt.read(f)
						before, err := read(t, store, rt, id)
						require.NoError(t, err)
						again, err := read(t, store, rt, id)
						require.NoError(t, err)
						assert.Same(t, before, again, "an unchanged resource shares its snapshot")
						sameAsGet(t, store, before, "a snapshot shows what Get returns")
						held, err := store.Get(ctx, id, schema.Projection{})
						require.NoError(t, err)

						tt.change(t, f)
						after, err := read(t, store, rt, id)
						if tt.gone {
							assert.ErrorIs(t, err, scim.ErrNotFound)
						} else {
							require.NoError(t, err)
							tt.want(t, f, after.Resource().Attributes)
							sameAsGet(t, store, after, "after the change, a snapshot shows what Get returns")
						}
						assert.Equal(t, held, before.Resource(), "a snapshot already read does not change")
					})
				}
			}
		}
	}
}

// What ListSnapshots and GetSnapshot return is what List and Get return
// with the zero projection, for every page, sort and count, with users'
// groups and groups' members, whether the cache holds the resources or
// not.
func TestSnapshotsAreWhatListReturns(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range snapshotDialects() {
		t.Run(dialect, func(t *testing.T) {
			open, _ := shared(t, dialect)
			db := open(sqlstore.Options{})
			var users []string
			for i := 0; i < 7; i++ {
				u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprintf("user%d", i),
					"title": fmt.Sprint("t", i%3), "emails": []any{map[string]any{"value": fmt.Sprintf("u%d@example.com", i), "primary": true}}}})
				require.NoError(t, err)
				users = append(users, u.ID)
			}
			for i, members := range [][]string{users[:3], users[2:5], nil} {
				list := []any{}
				for _, m := range members {
					list = append(list, map[string]any{"value": m})
				}
				_, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": fmt.Sprint("group", i), "members": list}})
				require.NoError(t, err)
			}
			type stored struct {
				s                     *sqlstore.Store
				rt                    *schema.ResourceType
				filter, sortBy, label string
			}
			for _, st := range []stored{
				{db.Users(), schema.UserResourceType(), `title eq "t1"`, "title", "users"},
				{db.Groups(), schema.GroupResourceType(), `displayName sw "group"`, "displayName", "groups"},
			} {
				f, err := filter.Parse(st.filter, st.rt, filter.Options{})
				require.NoError(t, err)
				by, err := filter.ParseAttrPath(st.sortBy, st.rt)
				require.NoError(t, err)
				queries := map[string]*scim.Query{
					"all":            {StartIndex: 1, Count: 100},
					"a page":         {StartIndex: 2, Count: 3},
					"past the end":   {StartIndex: 50, Count: 3},
					"count only":     {StartIndex: 1, Count: 0},
					"filtered":       {Filter: f, StartIndex: 1, Count: 100},
					"sorted, desc":   {SortBy: &by, Descending: true, StartIndex: 1, Count: 5},
					"filtered, page": {Filter: f, StartIndex: 2, Count: 1},
				}
				for name, q := range queries {
					name = st.label + ", " + name
					for pass := 0; pass < 2; pass++ { // cold, then cached
						page, err := st.s.List(ctx, q)
						require.NoError(t, err)
						snaps, total, err := st.s.ListSnapshots(ctx, q)
						require.NoError(t, err)
						assert.Equal(t, page.TotalResults, total, name)
						require.Len(t, snaps, len(page.Resources), name)
						for i, snap := range snaps {
							assert.Equal(t, page.Resources[i], snap.Resource(), "%s: resource %d", name, i)
							got, err := st.s.GetSnapshot(ctx, snap.Resource().ID)
							require.NoError(t, err)
							assert.Same(t, snap, got, "%s: GetSnapshot shares what ListSnapshots cached", name)
						}
					}
				}
			}
			_, err := db.Users().GetSnapshot(ctx, "no-such-id")
			assert.ErrorIs(t, err, scim.ErrNotFound)
			_, err = db.Users().GetSnapshot(ctx, "x\x00y")
			assert.ErrorIs(t, err, scim.ErrNotFound)
			_, err = db.Groups().GetSnapshot(ctx, users[0])
			assert.ErrorIs(t, err, scim.ErrNotFound, "a user is not a group")
		})
	}
}

// Two directories of one DB never share a cache entry, even for the same
// id (which the store never gives out twice, so the test writes it).
func TestSnapshotsOfTwoDirectories(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range snapshotDialects() {
		t.Run(dialect, func(t *testing.T) {
			open, raw := shared(t, dialect)
			db := open(sqlstore.Options{})
			aUsers, aGroups := db.Directory("acme")
			bUsers, bGroups := db.Directory("bolt")
			a, err := aUsers.Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "ann"}})
			require.NoError(t, err)
			b, err := bUsers.Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "bob"}})
			require.NoError(t, err)
			_, err = aGroups.Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "A team",
				"members": []any{map[string]any{"value": a.ID}}}})
			require.NoError(t, err)
			bg, err := bGroups.Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "B team",
				"members": []any{map[string]any{"value": b.ID}}}})
			require.NoError(t, err)
			// Bob takes Ann's id, at the same version, in his directory.
			table := sqlstore.TablePrefixOf(db) + "resources"
			members := sqlstore.TablePrefixOf(db) + "members"
			d := sqlstore.SQLite
			if dialect == "PostgreSQL" {
				d = sqlstore.Postgres
			}
			_, err = raw.Exec(d.Rebind("UPDATE "+table+" SET id = ? WHERE dir = 'bolt' AND id = ?"), a.ID, b.ID)
			require.NoError(t, err)
			_, err = raw.Exec(d.Rebind("UPDATE "+members+" SET member_id = ?, data = ? WHERE dir = 'bolt' AND group_id = ?"), a.ID,
				`{"value":"`+a.ID+`"}`, bg.ID)
			require.NoError(t, err)

			for rname, read := range snapReads {
				t.Run(rname, func(t *testing.T) {
					first, err := read(t, aUsers, schema.UserResourceType(), a.ID)
					require.NoError(t, err)
					other, err := read(t, bUsers, schema.UserResourceType(), a.ID)
					require.NoError(t, err)
					assert.Equal(t, "ann", first.Resource().Attributes["userName"])
					assert.Equal(t, []any{"A team"}, displays(first.Resource().Attributes, "groups"))
					assert.Equal(t, "bob", other.Resource().Attributes["userName"])
					assert.Equal(t, []any{"B team"}, displays(other.Resource().Attributes, "groups"))
					again, err := read(t, aUsers, schema.UserResourceType(), a.ID)
					require.NoError(t, err)
					assert.Same(t, first, again, "reading the other directory's resource of the same id leaves this one's entry")
					otherAgain, err := read(t, bUsers, schema.UserResourceType(), a.ID)
					require.NoError(t, err)
					assert.Same(t, other, otherAgain)
				})
			}
		})
	}
}

// The cache holds at most Options.SnapshotCacheSize snapshots, evicting
// the least recently used; a negative size turns it off and the reads stay
// right.
func TestSnapshotCacheBound(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range snapshotDialects() {
		t.Run(dialect, func(t *testing.T) {
			open, _ := shared(t, dialect)
			db := open(sqlstore.Options{SnapshotCacheSize: 3})
			var ids []string
			for i := 0; i < 10; i++ {
				u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprint("user", i)}})
				require.NoError(t, err)
				ids = append(ids, u.ID)
			}
			assert.Zero(t, sqlstore.SnapshotCacheLen(db), "writes do not fill the cache")
			snaps := map[string]*scim.Snapshot{}
			for _, id := range ids {
				snap, err := db.Users().GetSnapshot(ctx, id)
				require.NoError(t, err)
				snaps[id] = snap
				assert.LessOrEqual(t, sqlstore.SnapshotCacheLen(db), 3)
			}
			assert.Equal(t, 3, sqlstore.SnapshotCacheLen(db))
			// ids[7] is used again, so ids[8] is the least recently used
			// when ids[0] comes back.
			again, err := db.Users().GetSnapshot(ctx, ids[7])
			require.NoError(t, err)
			assert.Same(t, snaps[ids[7]], again)
			back, err := db.Users().GetSnapshot(ctx, ids[0])
			require.NoError(t, err)
			assert.NotSame(t, snaps[ids[0]], back, "an evicted snapshot is built again")
			assert.Equal(t, snaps[ids[0]].Resource(), back.Resource())
			snaps[ids[0]] = back
			// Now ids[0], ids[7] and ids[9] are cached, and ids[8] not.
			for _, i := range []int{7, 9, 0} {
				snap, err := db.Users().GetSnapshot(ctx, ids[i])
				require.NoError(t, err)
				assert.Same(t, snaps[ids[i]], snap, "user %d is cached", i)
			}
			snap, err := db.Users().GetSnapshot(ctx, ids[8])
			require.NoError(t, err)
			assert.NotSame(t, snaps[ids[8]], snap, "user 8 was evicted")
			assert.Equal(t, 3, sqlstore.SnapshotCacheLen(db))
			page, total, err := db.Users().ListSnapshots(ctx, &scim.Query{StartIndex: 1, Count: 100})
			require.NoError(t, err)
			assert.Equal(t, 10, total)
			assert.Len(t, page, 10)
			assert.Equal(t, 3, sqlstore.SnapshotCacheLen(db), "a page larger than the cache keeps it bounded")

			off := open(sqlstore.Options{SnapshotCacheSize: -1})
			first, err := off.Users().GetSnapshot(ctx, ids[1])
			require.NoError(t, err)
			second, err := off.Users().GetSnapshot(ctx, ids[1])
			require.NoError(t, err)
			assert.NotSame(t, first, second, "without a cache every read builds its snapshot")
			assert.Equal(t, first.Resource(), second.Resource())
			assert.Zero(t, sqlstore.SnapshotCacheLen(off))

			dflt := open(sqlstore.Options{})
			first, err = dflt.Users().GetSnapshot(ctx, ids[1])
			require.NoError(t, err)
			second, err = dflt.Users().GetSnapshot(ctx, ids[1])
			require.NoError(t, err)
			assert.Same(t, first, second, "the cache is on by default")
		})
	}
}

// Readers and writers at once, through two DBs over the same tables (two
// processes): the reads never fail, never see a resource's version go
// back, and once the writers are done every snapshot read through either
// DB shows what Get does. Run with -race, it also checks the cache's
// locking.
func TestSnapshotsUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	urt, grt := schema.UserResourceType(), schema.GroupResourceType()
	for _, dialect := range snapshotDialects() {
		t.Run(dialect, func(t *testing.T) {
			open, _ := shared(t, dialect)
			dbs := []*sqlstore.DB{open(sqlstore.Options{SnapshotCacheSize: 5}), open(sqlstore.Options{})}
			var users, groups []string
			for i := 0; i < 6; i++ {
				u, err := dbs[0].Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprint("user", i)}})
				require.NoError(t, err)
				users = append(users, u.ID)
			}
			for i := 0; i < 2; i++ {
				g, err := dbs[0].Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": fmt.Sprint("group", i),
					"members": []any{map[string]any{"value": users[i]}}}})
				require.NoError(t, err)
				groups = append(groups, g.ID)
			}
			const writes = 40
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			done := make(chan struct{})
			for w := 0; w < 2; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					db := dbs[w]
					for i := 0; i < writes; i++ {
						g := groups[(w+i)%len(groups)]
						u := users[(w*3+i)%len(users)]
						store, id, rt, ops := db.Groups(), g, grt, ""
						switch i % 4 {
						case 0:
							ops = `[{"op":"add","path":"members","value":[{"value":"` + u + `"}]}]`
						case 1:
							ops = `[{"op":"replace","path":"displayName","value":"g` + strconv.Itoa(w) + `-` + strconv.Itoa(i) + `"}]`
						case 2:
							store, id, rt = db.Users(), u, urt
							ops = `[{"op":"replace","path":"title","value":"t` + strconv.Itoa(i) + `"}]`
						case 3:
							ops = `[{"op":"remove","path":"members[value eq \"` + u + `\"]"}]`
						}
						req, err := parseOps(rt, ops)
						if err == nil {
							_, _, err = store.Patch(ctx, id, req, "", schema.Projection{})
						}
						if err != nil {
							errs <- fmt.Errorf("writer %d, write %d: %w", w, i, err)
							return
						}
					}
				}(w)
			}
			var readers sync.WaitGroup
			for r := 0; r < 4; r++ {
				readers.Add(1)
				go func(r int) {
					defer readers.Done()
					db := dbs[r%2]
					seen := map[string]int64{}
					check := func(snap *scim.Snapshot) error {
						res := snap.Resource()
						v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(res.Meta.Version, `W/"`), `"`), 10, 64)
						if err != nil {
							return err
						}
						if v < seen[res.ID] {
							return fmt.Errorf("reader %d: %s went from version %d back to %d", r, res.ID, seen[res.ID], v)
						}
						seen[res.ID] = v
						return nil
					}
					for i := 0; ; i++ {
						select {
						case <-done:
							return
						default:
						}
						var snaps []*scim.Snapshot
						var err error
						switch i % 3 {
						case 0:
							snaps, _, err = db.Users().ListSnapshots(ctx, &scim.Query{StartIndex: 1, Count: 100})
						case 1:
							snaps, _, err = db.Groups().ListSnapshots(ctx, &scim.Query{StartIndex: 1, Count: 100})
						case 2:
							var snap *scim.Snapshot
							snap, err = db.Groups().GetSnapshot(ctx, groups[i%len(groups)])
							snaps = []*scim.Snapshot{snap}
						}
						for _, snap := range snaps {
							if err == nil {
								err = check(snap)
							}
						}
						if err != nil {
							errs <- fmt.Errorf("reader %d: %w", r, err)
							return
						}
					}
				}(r)
			}
			wg.Wait()
			close(done)
			readers.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			for _, db := range dbs {
				for _, ids := range []struct {
					s   *sqlstore.Store
					ids []string
				}{{db.Users(), users}, {db.Groups(), groups}} {
					for _, id := range ids.ids {
						snap, err := ids.s.GetSnapshot(ctx, id)
						require.NoError(t, err)
						sameAsGet(t, ids.s, snap, "after the writes")
					}
					page, err := ids.s.List(ctx, &scim.Query{StartIndex: 1, Count: 100})
					require.NoError(t, err)
					snaps, _, err := ids.s.ListSnapshots(ctx, &scim.Query{StartIndex: 1, Count: 100})
					require.NoError(t, err)
					require.Len(t, snaps, len(page.Resources))
					for i := range snaps {
						assert.Equal(t, page.Resources[i], snaps[i].Resource())
					}
				}
			}
		})
	}
}
