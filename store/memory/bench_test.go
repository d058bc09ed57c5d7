package memory_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/fixture"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

var ctx = context.Background()

// filled keeps the stores of fill across the runs of -count, so that a
// store of 1,000,000 users is loaded once.
var filled = map[int]*memory.DB{}

// release drops the stores of fill, so that a benchmark after
// BenchmarkListUserNameEq does not pay for collecting a heap of 1,000,000
// users.
func release() {
	clear(filled)
	runtime.GC()
}

// fill returns a store of n typical users.
func fill(b *testing.B, n int) *memory.DB {
	b.Helper()
	if db, ok := filled[n]; ok {
		return db
	}
	db := memory.New()
	for i := 0; i < n; i++ {
		if _, err := db.Users().Create(ctx, &scim.Resource{Attributes: fixture.User(i)}); err != nil {
			b.Fatal(err)
		}
	}
	filled[n] = db
	return db
}

// lookup returns a query by userName of the store of n users, in another
// case than stored.
func lookup(b *testing.B, n int) *scim.Query {
	b.Helper()
	e, err := filter.Parse(fmt.Sprintf(`userName eq "USER%07d@example.com"`, n/2), schema.UserResourceType(), filter.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return &scim.Query{Filter: e, StartIndex: 1, Count: 100}
}

func listOne(b *testing.B, db *memory.DB, q *scim.Query) {
	page, err := db.Users().List(ctx, q)
	if err != nil || page.TotalResults != 1 {
		b.Fatal(err, page)
	}
}

// BenchmarkListUserNameEq looks a user up by userName, as identity
// providers do before every create: an index lookup, flat in the number
// of users. The ratio sub-benchmark alternates batches at 1,000 and at
// 1,000,000 users and reports the time at 1,000,000 over the time at 1,000
// as large/small.
func BenchmarkListUserNameEq(b *testing.B) {
	sizes := []int{1000, 100000, 1000000}
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			db, q := fill(b, n), lookup(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				listOne(b, db, q)
			}
		})
	}
	b.Run("ratio", func(b *testing.B) {
		small, large := fill(b, sizes[0]), fill(b, sizes[2])
		qs, ql := lookup(b, sizes[0]), lookup(b, sizes[2])
		b.ResetTimer()
		ratio(b, func() { listOne(b, small, qs) }, func() { listOne(b, large, ql) })
	})
}

// ratio runs small and large in alternating batches, b.N times each, and
// reports the time of large over the time of small as large/small.
func ratio(b *testing.B, small, large func()) {
	const batch = 100
	var ts, tl time.Duration
	for done := 0; done < b.N; done += batch {
		t0 := time.Now()
		for i := 0; i < batch; i++ {
			small()
		}
		t1 := time.Now()
		for i := 0; i < batch; i++ {
			large()
		}
		ts += t1.Sub(t0)
		tl += time.Since(t1)
	}
	b.ReportMetric(float64(tl)/float64(ts), "large/small")
}

// group returns a store with a group of n members, and the requests that
// add one member and remove it again.
func group(b *testing.B, n int) (*memory.DB, string, *patch.Request, *patch.Request) {
	b.Helper()
	db := memory.New()
	rt := schema.GroupResourceType()
	members := make([]any, n)
	for i := range members {
		members[i] = map[string]any{"value": createUser(b, db, fmt.Sprint("member-", i))}
	}
	g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Big", "members": members}})
	if err != nil {
		b.Fatal(err)
	}
	id := createUser(b, db, "new")
	add := request(b, rt, `[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]`)
	remove := request(b, rt, `[{"op":"remove","path":"members[value eq \"`+id+`\"]"}]`)
	return db, g.ID, add, remove
}

// createUser stores a user (members name resources that exist) and
// returns its id.
func createUser(b *testing.B, db *memory.DB, userName string) string {
	u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": userName}})
	if err != nil {
		b.Fatal(err)
	}
	return u.ID
}

var withoutMembers = schema.Projection{ExcludedAttributes: []string{"members"}}

func patchGroup(b *testing.B, db *memory.DB, id string, req *patch.Request) {
	if _, res, err := db.Groups().Patch(ctx, id, req, "", withoutMembers); err != nil || !res.Changed {
		b.Fatal(err, res)
	}
}

// BenchmarkPatchAddMember adds and removes one member of a group through
// the native Patcher: flat in the group's size. The ratio sub-benchmark
// alternates batches on a group of 100 and of 100,000 members and reports
// large/small.
func BenchmarkPatchAddMember(b *testing.B) {
	release()
	for _, n := range []int{100, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			db, id, add, remove := group(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%2 == 0 {
					patchGroup(b, db, id, add)
				} else {
					patchGroup(b, db, id, remove)
				}
			}
		})
	}
	b.Run("ratio", func(b *testing.B) {
		sdb, sid, sadd, sremove := group(b, 100)
		ldb, lid, ladd, lremove := group(b, 100000)
		var si, li int
		b.ResetTimer()
		ratio(b, func() {
			if si++; si%2 == 1 {
				patchGroup(b, sdb, sid, sadd)
			} else {
				patchGroup(b, sdb, sid, sremove)
			}
		}, func() {
			if li++; li%2 == 1 {
				patchGroup(b, ldb, lid, ladd)
			} else {
				patchGroup(b, ldb, lid, lremove)
			}
		})
	})
}

// BenchmarkGetGroupExcludeMembers reads a group of 100,000 members without
// them.
func BenchmarkGetGroupExcludeMembers(b *testing.B) {
	release()
	db, id, _, _ := group(b, 100000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Groups().Get(ctx, id, withoutMembers); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResidentUser loads 100,000 typical users and reports the heap
// they hold after a collection, per user (B/user, from HeapAlloc).
func BenchmarkResidentUser(b *testing.B) {
	const n = 100000
	release()
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		db := memory.New()
		for j := 0; j < n; j++ {
			if _, err := db.Users().Create(ctx, &scim.Resource{Attributes: fixture.User(j)}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(db)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/user")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/n, "inuse-B/user")
	}
}

// BenchmarkScannedHeapPerUser loads 10,000 typical users, each in two
// groups, patches each one's active and reads each one's snapshot, as a
// sync cycle leaves them, and reports the heap per user after a
// collection: live (B/user) and scannable, the part holding pointers that
// every collection marks (scan-B/user, runtime/metrics
// /gc/scan/heap:bytes). The collector's work per byte a request allocates
// grows with the share of the heap it must scan.
func BenchmarkScannedHeapPerUser(b *testing.B) {
	const n = 10000
	release()
	rt := schema.UserResourceType()
	deactivate := request(b, rt, `[{"op":"replace","path":"active","value":false}]`)
	for i := 0; i < b.N; i++ {
		before := heapFigures()
		db := memory.New()
		members := make([]any, n)
		for j := range n {
			u, err := db.Users().Create(ctx, &scim.Resource{Attributes: fixture.User(j)})
			if err != nil {
				b.Fatal(err)
			}
			members[j] = map[string]any{"value": u.ID}
		}
		for _, name := range []string{"Everyone", "Engineering"} {
			if _, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": name, "members": members}}); err != nil {
				b.Fatal(err)
			}
		}
		for _, m := range members {
			id := m.(map[string]any)["value"].(string)
			if _, _, err := db.Users().PatchSnapshot(ctx, id, deactivate, ""); err != nil {
				b.Fatal(err)
			}
			if _, err := db.Users().GetSnapshot(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
		after := heapFigures()
		runtime.KeepAlive(db)
		b.ReportMetric(float64(after[1]-before[1])/n, "B/user")
		b.ReportMetric(float64(after[0]-before[0])/n, "scan-B/user")
	}
}

// heapFigures collects the garbage and returns the scannable and the live
// heap, in bytes.
func heapFigures() [2]uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/scan/heap:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return [2]uint64{s[0].Value.Uint64(), s[1].Value.Uint64()}
}

func request(b *testing.B, rt *schema.ResourceType, ops string) *patch.Request {
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
