package patch_test

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// values returns a JSON array of n values made by one.
func values(n int, one func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = one(i)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func email(i int) string {
	return fmt.Sprintf(`{"value":"user%d@example.com","type":"work"}`, i)
}

func member(i int) string { return fmt.Sprintf(`{"value":"user-%d"}`, i) }

// largeRequests are requests that carry n values, each with the attributes
// it applies to and how it is applied.
var largeRequests = []struct {
	name string
	rt   *schema.ResourceType
	// attrs returns the resource the request applies to.
	attrs func(t testing.TB, n int) string
	ops   func(n int) string
	// run applies req to attrs.
	run func(t testing.TB, rt *schema.ResourceType, attrs map[string]any, req *patch.Request)
}{
	{"add emails", users,
		func(testing.TB, int) string {
			return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`
		},
		func(n int) string { return `[{"op":"add","path":"emails","value":` + values(n, email) + `}]` },
		runApply},
	{"remove emails by value", users,
		func(_ testing.TB, n int) string {
			return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","emails":` + values(n, email) + `}`
		},
		func(n int) string {
			return `[{"op":"remove","path":"emails","value":` + values(n, func(i int) string {
				return fmt.Sprintf(`{"value":"USER%d@example.com"}`, i)
			}) + `}]`
		},
		runApply},
	{"add members", groups,
		func(testing.TB, int) string {
			return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Crowd"}`
		},
		func(n int) string { return `[{"op":"add","path":"members","value":` + values(n, member) + `}]` },
		runApply},
	{"add members as a delta", groups,
		func(testing.TB, int) string {
			return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Crowd"}`
		},
		func(n int) string { return `[{"op":"add","path":"members","value":` + values(n, member) + `}]` },
		runDelta},
	{"add then remove members as a delta", groups,
		func(testing.TB, int) string {
			return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Crowd"}`
		},
		func(n int) string {
			return `[{"op":"add","path":"members","value":` + values(n, member) + `},
				{"op":"remove","path":"members","value":` + values(n, member) + `}]`
		},
		runDelta},
}

func runApply(t testing.TB, rt *schema.ResourceType, attrs map[string]any, req *patch.Request) {
	_, res, err := patch.Apply(rt, attrs, req)
	require.NoError(t, err)
	require.True(t, res.Changed)
}

func runDelta(t testing.TB, rt *schema.ResourceType, _ map[string]any, req *patch.Request) {
	_, ok := req.MemberDelta(rt)
	require.True(t, ok)
}

// timeOf returns the least time of a few runs of f, measured as the CPU
// time of the thread that runs it where the system reports it, which is
// the time least disturbed by the rest of the machine. The collector is
// held off while f runs, so that its pauses, which depend on the whole
// heap, do not blur the cost of f itself (its allocations are checked
// separately).
func timeOf(runs int, f func()) time.Duration {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	least := time.Duration(1<<63 - 1)
	for range runs {
		runtime.GC()
		start := threadTime()
		f()
		least = min(least, threadTime()-start)
	}
	return least
}

// TestApplyIsLinearInTheValuesOfARequest applies requests carrying 1,000
// and 10,000 values: ten times the values must cost about ten times the
// time, not a hundred (pairwise comparison of the values did: 20,000
// emails took half a minute).
func TestApplyIsLinearInTheValuesOfARequest(t *testing.T) {
	const small, large = 1000, 10000
	for _, tt := range largeRequests {
		t.Run(tt.name, func(t *testing.T) {
			prepare := func(n int) (map[string]any, *patch.Request) {
				attrs := canonical(t, tt.rt, tt.attrs(t, n))
				req, err := patch.Parse(decode(t, request(tt.ops(n))), tt.rt, patch.Options{})
				require.NoError(t, err)
				return attrs, req
			}
			sa, sr := prepare(small)
			la, lr := prepare(large)
			as := testing.AllocsPerRun(3, func() { tt.run(t, tt.rt, sa, sr) })
			al := testing.AllocsPerRun(3, func() { tt.run(t, tt.rt, la, lr) })
			ts := timeOf(7, func() { tt.run(t, tt.rt, sa, sr) })
			tl := timeOf(7, func() { tt.run(t, tt.rt, la, lr) })
			ratio := float64(tl) / float64(ts)
			t.Logf("%d values: %v, %.0f allocations; %d values: %v, %.0f allocations; time ratio %.1f",
				small, ts, as, large, tl, al, ratio)
			assert.Less(t, al/as, 15.0, "ten times the values must cost about ten times the allocations")
			// Linear is about 10, quadratic about 100; 40 leaves room for
			// the race detector and a shared machine, whose caches and
			// collector make the large run dearer per value.
			assert.Less(t, ratio, 40.0, "ten times the values must cost about ten times the time, not a hundred")
		})
	}
}

// BenchmarkApplyManyValues applies each of largeRequests with 1,000 and
// 10,000 values.
func BenchmarkApplyManyValues(b *testing.B) {
	for _, tt := range largeRequests {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/%d", tt.name, n), func(b *testing.B) {
				attrs := canonical(b, tt.rt, tt.attrs(b, n))
				req, err := patch.Parse(decode(b, request(tt.ops(n))), tt.rt, patch.Options{})
				require.NoError(b, err)
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					tt.run(b, tt.rt, attrs, req)
				}
			})
		}
	}
}
