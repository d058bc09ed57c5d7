package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
)

// rawDB returns the *sql.DB under a store opened by open, for the raw
// queries the benchmarks compare with.
func openRaw(b *testing.B, dialect string) (*sqlstore.DB, *sql.DB, string) {
	b.Helper()
	switch dialect {
	case "SQLite":
		store, db := openSQLiteRaw(b)
		return store, db, "scim_"
	default:
		store, db, prefix := openPostgresRaw(b)
		return store, db, prefix
	}
}

// fillUsers inserts n users straight into the tables, in one transaction,
// with the folded columns the store keeps beside the data.
func fillUsers(b *testing.B, db *sql.DB, d sqlstore.Dialect, prefix string, n int) {
	b.Helper()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	q := "INSERT INTO " + prefix + "resources (type, id, version, created, last_modified, user_name, user_name_lower, user_name_fold, external_id, data, fdata, ldata)" +
		" VALUES ('User', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	now := any("2026-01-01T00:00:00.000Z")
	if d == sqlstore.Postgres {
		q = strings.NewReplacer("?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?", "$1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10").Replace(q)
	}
	stmt, err := tx.Prepare(q)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("user%d@example.com", i)
		attrs := map[string]any{"userName": name, "active": true,
			"name":   map[string]any{"givenName": "Given", "familyName": fmt.Sprint("Family", i)},
			"emails": []any{map[string]any{"value": name, "type": "work", "primary": true}}}
		data, err := json.Marshal(attrs)
		if err != nil {
			b.Fatal(err)
		}
		fdata, ldata, err := sqlstore.Shadows(attrs)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := stmt.Exec(fmt.Sprint("id-", i), now, now, name, filter.FoldString(name), sqlstore.FoldKey(name),
			fmt.Sprint(i), string(data), fdata, ldata); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	// Statistics, as a database that has been running has them: without
	// them PostgreSQL may scan a freshly filled table.
	if _, err := db.Exec("ANALYZE " + prefix + "resources"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkUserNameEq looks a user up by userName through the store and,
// beside it, with the raw indexed query through the same driver. "store"
// and "ratio" list through List, which decodes every read; "snapshot" and
// "snapshot-ratio" through ListSnapshots, as the server does for the
// default attributes, which shares the cached snapshot of a user that has
// not changed (BenchmarkServeUserNameEq adds the server's rendering and
// encoding, which the snapshot also saves).
func BenchmarkUserNameEq(b *testing.B) {
	for _, dialect := range []string{"SQLite", "PostgreSQL"} {
		for _, n := range []int{10000, 1000000} {
			b.Run(fmt.Sprintf("%s/%d", dialect, n), func(b *testing.B) {
				store, db, prefix := openRaw(b, dialect)
				d := sqlstore.SQLite
				if dialect == "PostgreSQL" {
					d = sqlstore.Postgres
				}
				fillUsers(b, db, d, prefix, n)
				rt := schema.UserResourceType()
				e, err := filter.Parse(fmt.Sprintf(`userName eq "USER%d@example.com"`, n/2), rt, filter.Options{})
				if err != nil {
					b.Fatal(err)
				}
				q := &scim.Query{Filter: e, StartIndex: 1, Count: 100}
				// The raw query reads the row through the same unique index.
				raw := "SELECT data FROM " + prefix + "resources WHERE dir = '' AND type = 'User' AND user_name_lower = lower(?)"
				if d == sqlstore.Postgres {
					raw = strings.Replace(raw, "?", "$1", 1)
				}
				b.Run("store", func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						page, err := store.Users().List(context.Background(), q)
						if err != nil || page.TotalResults != 1 {
							b.Fatal(err, page)
						}
					}
				})
				b.Run("snapshot", func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						snaps, total, err := store.Users().ListSnapshots(context.Background(), q)
						if err != nil || total != 1 || len(snaps) != 1 {
							b.Fatal(err, total)
						}
					}
				})
				b.Run("raw", func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						var data []byte
						if err := db.QueryRow(raw, fmt.Sprintf("USER%d@example.com", n/2)).Scan(&data); err != nil {
							b.Fatal(err)
						}
					}
				})
				// ratio alternates batches of both, so that a busy moment
				// of a shared machine slows them alike, and reports the
				// store's time over the raw query's as store/raw.
				ratio := func(lookup func() error) func(b *testing.B) {
					return func(b *testing.B) {
						const batch = 50
						var storeTime, rawTime time.Duration
						for done := 0; done < b.N; done += batch {
							t0 := time.Now()
							for i := 0; i < batch; i++ {
								if err := lookup(); err != nil {
									b.Fatal(err)
								}
							}
							t1 := time.Now()
							for i := 0; i < batch; i++ {
								var data []byte
								if err := db.QueryRow(raw, fmt.Sprintf("USER%d@example.com", n/2)).Scan(&data); err != nil {
									b.Fatal(err)
								}
							}
							storeTime += t1.Sub(t0)
							rawTime += time.Since(t1)
						}
						b.ReportMetric(float64(storeTime)/float64(rawTime), "store/raw")
					}
				}
				b.Run("ratio", ratio(func() error {
					if page, err := store.Users().List(context.Background(), q); err != nil || page.TotalResults != 1 {
						return fmt.Errorf("%v, %v", err, page)
					}
					return nil
				}))
				b.Run("snapshot-ratio", ratio(func() error {
					if snaps, total, err := store.Users().ListSnapshots(context.Background(), q); err != nil || total != 1 || len(snaps) != 1 {
						return fmt.Errorf("%v, %d", err, total)
					}
					return nil
				}))
			})
		}
	}
}

// BenchmarkAddMember adds and removes one member of a group of 100 and of
// 100,000 members through the store's Patcher.
func BenchmarkAddMember(b *testing.B) {
	for _, dialect := range []string{"SQLite", "PostgreSQL"} {
		for _, n := range []int{100, 100000} {
			b.Run(fmt.Sprintf("%s/%d", dialect, n), func(b *testing.B) {
				store, db, prefix := openRaw(b, dialect)
				ctx := context.Background()
				g, err := store.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Big"}})
				if err != nil {
					b.Fatal(err)
				}
				tx, _ := db.Begin()
				q := "INSERT INTO " + prefix + "members (group_id, member_id, data) VALUES (?, ?, ?)"
				if dialect == "PostgreSQL" {
					q = "INSERT INTO " + prefix + "members (group_id, member_id, data) VALUES ($1, $2, $3)"
				}
				for i := 0; i < n; i++ {
					id := fmt.Sprint("member-", i)
					if _, err := tx.Exec(q, g.ID, id, `{"value":"`+id+`"}`); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				rt := schema.GroupResourceType()
				add := parsePatch(b, rt, `[{"op":"add","path":"members","value":[{"value":"new"}]}]`)
				remove := parsePatch(b, rt, `[{"op":"remove","path":"members[value eq \"new\"]"}]`)
				p := schema.Projection{ExcludedAttributes: []string{"members"}}
				b.Run("store", func(b *testing.B) {
					b.ReportAllocs()
					// Each iteration adds the member and removes it again, so
					// that every run starts from the same group.
					for i := 0; i < 2*b.N; i++ {
						req := add
						if i%2 == 1 {
							req = remove
						}
						if _, res, err := store.Groups().Patch(ctx, g.ID, req, "", p); err != nil || !res.Changed {
							b.Fatal(err, res)
						}
					}
				})
				// raw is the least a member add or remove writes, by hand
				// through the same driver: the member row and the group's
				// version, in one transaction.
				insert, del := q, "DELETE FROM "+prefix+"members WHERE group_id = ? AND member_id = ?"
				bump := "UPDATE " + prefix + "resources SET version = version + 1 WHERE type = 'Group' AND id = ?"
				if dialect == "PostgreSQL" {
					del = "DELETE FROM " + prefix + "members WHERE group_id = $1 AND member_id = $2"
					bump = "UPDATE " + prefix + "resources SET version = version + 1 WHERE type = 'Group' AND id = $1"
				}
				b.Run("raw", func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < 2*b.N; i++ {
						tx, err := db.BeginTx(ctx, nil)
						if err != nil {
							b.Fatal(err)
						}
						if i%2 == 0 {
							_, err = tx.Exec(insert, g.ID, "raw-new", `{"value":"raw-new"}`)
						} else {
							_, err = tx.Exec(del, g.ID, "raw-new")
						}
						if err == nil {
							_, err = tx.Exec(bump, g.ID)
						}
						if err == nil {
							err = tx.Commit()
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		}
	}
}

func parsePatch(b *testing.B, rt *schema.ResourceType, ops string) *patch.Request {
	body, err := schema.Decode(strings.NewReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`))
	if err != nil {
		b.Fatal(err)
	}
	req, err := patch.Parse(body, rt, patch.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return req
}

// BenchmarkListPage lists the first page of 100 users, as an identity
// provider's import does, from a table of 10,000.
func BenchmarkListPage(b *testing.B) {
	for _, dialect := range []string{"SQLite", "PostgreSQL"} {
		b.Run(dialect, func(b *testing.B) {
			store, db, prefix := openRaw(b, dialect)
			d := sqlstore.SQLite
			if dialect == "PostgreSQL" {
				d = sqlstore.Postgres
			}
			fillUsers(b, db, d, prefix, 10000)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				page, err := store.Users().List(ctx, &scim.Query{StartIndex: 1, Count: 100})
				if err != nil || len(page.Resources) != 100 || page.TotalResults != 10000 {
					b.Fatal(err, len(page.Resources), page.TotalResults)
				}
			}
		})
	}
}
