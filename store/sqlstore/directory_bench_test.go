package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
)

// benchSize reads a size from the environment, or def.
func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkManyDirectories measures userName eq, GET by id and a member
// add in one directory of a PostgreSQL DB holding only it, and in one of
// SCIM_BENCH_DIRECTORIES directories (1,000 by default) of
// SCIM_BENCH_USERS users each (100 by default), interleaved, and reports
// the ratio of the two costs per request: 1 means flat in the number of
// directories.
func BenchmarkManyDirectories(b *testing.B) {
	dirs, perDir := benchSize("SCIM_BENCH_DIRECTORIES", 1000), benchSize("SCIM_BENCH_USERS", 100)
	ctx := context.Background()
	type setup struct {
		users, groups *sqlstore.Store
		ids           []string
		group         string
	}
	prepare := func(others int) setup {
		db, raw, prefix := openPostgresRaw(b)
		if others > 0 {
			_, err := raw.Exec("INSERT INTO "+prefix+"resources (dir, type, id, version, created, last_modified, user_name,"+
				" user_name_lower, user_name_fold, data, fdata, ldata) SELECT 'd' || (g / $1), 'User', 'id-' || g, 1, now(), now(),"+
				" 'user' || (g % $1), 'user' || (g % $1), 'USER' || (g % $1), jsonb_build_object('userName', 'user' || (g % $1)), '{}', '{}'"+
				" FROM generate_series(0, $2 - 1) g", perDir, others*perDir)
			require.NoError(b, err)
		}
		_, err := raw.Exec("ANALYZE " + prefix + "resources")
		require.NoError(b, err)
		users, groups := db.Directory("measured")
		s := setup{users: users, groups: groups}
		for i := range perDir {
			u, err := users.Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprintf("user%d", i)}})
			require.NoError(b, err)
			s.ids = append(s.ids, u.ID)
		}
		g, err := groups.Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "staff"}})
		require.NoError(b, err)
		s.group = g.ID
		return s
	}
	one, many := prepare(0), prepare(dirs-1)
	rt := schema.UserResourceType()
	ops := map[string]func(s setup, i int) error{
		"UserNameEq": func(s setup, i int) error {
			f, err := filter.Parse(fmt.Sprintf(`userName eq "user%d"`, i%perDir), rt, filter.Options{})
			if err != nil {
				return err
			}
			page, err := s.users.List(ctx, &scim.Query{Filter: f, Count: 10})
			if err == nil && page.TotalResults != 1 {
				err = fmt.Errorf("found %d", page.TotalResults)
			}
			return err
		},
		"GetByID": func(s setup, i int) error {
			_, err := s.users.Get(ctx, s.ids[i%perDir], schema.Projection{})
			return err
		},
		"MemberAdd": func(s setup, i int) error {
			_, _, err := s.groups.Patch(ctx, s.group, memberAdd(b, s.ids[i%perDir]), "", schema.Projection{ExcludedAttributes: []string{"members"}})
			return err
		},
	}
	for _, name := range []string{"UserNameEq", "GetByID", "MemberAdd"} {
		op := ops[name]
		b.Run(name, func(b *testing.B) {
			var tOne, tMany time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				require.NoError(b, op(one, i))
				mid := time.Now()
				require.NoError(b, op(many, i))
				tOne, tMany = tOne+mid.Sub(start), tMany+time.Since(mid)
			}
			b.ReportMetric(float64(tOne.Nanoseconds())/float64(b.N), "ns/op-1dir")
			b.ReportMetric(float64(tMany.Nanoseconds())/float64(b.N), fmt.Sprintf("ns/op-%ddirs", dirs))
			b.ReportMetric(float64(tMany)/float64(tOne), "ratio")
		})
	}
}

func memberAdd(tb testing.TB, id string) *patch.Request {
	req, err := patch.Parse(map[string]any{"schemas": []any{patch.PatchOpURN}, "Operations": []any{
		map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": id}}}}}, schema.GroupResourceType(), patch.Options{})
	require.NoError(tb, err)
	return req
}
