package directory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/directory"
	"github.com/scimkit/scim/schema"
)

const pinURN = "urn:example:params:scim:schemas:extension:acme:2.0:User"

// usersWithPIN is the User resource type with an extension holding a
// write-only, never-returned "pin": redaction must follow the schema, not
// a list of names.
func usersWithPIN() *schema.ResourceType {
	rt := schema.UserResourceType()
	rt.Extensions = append(rt.Extensions, schema.SchemaExtension{Schema: &schema.Schema{ID: pinURN, Name: "Acme",
		Attributes: []*schema.Attribute{
			{Name: "pin", Type: schema.String, Mutability: schema.WriteOnly, Returned: schema.ReturnedNever},
			{Name: "badge", Type: schema.String},
		}}})
	return rt
}

func TestRequestLogRedacts(t *testing.T) {
	e := newEnv(t, directory.WithResourceTypes(usersWithPIN(), schema.GroupResourceType()))
	d, token := e.dir(t, "acme")
	const a = "/scim/acme/v2"
	res := e.do("POST", a+"/Users", token, `{"schemas":["`+userSchema+`","`+pinURN+`"],"userName":"bjensen","password":"S1-create",
		"`+pinURN+`":{"pin":"S2-pin","badge":"visible-badge"}}`)
	require.Equal(t, 201, res.status, res.raw)
	id := str(res.body["id"])
	patch := func(ops string) {
		res := e.do("PATCH", a+"/Users/"+id, token, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+ops+`]}`)
		require.Equal(t, 200, res.status, res.raw)
	}
	patch(`{"op":"replace","path":"password","value":"S3-path"}`)
	patch(`{"op":"Replace","value":{"password":"S4-nopath","displayName":"visible-name"}}`)
	patch(`{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User:password":"S5-urnkey"}}`)
	patch(`{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"S6-urnpath"}`)
	patch(`{"op":"replace","path":"` + pinURN + `:pin","value":"S7-extpath"}`)
	patch(`{"op":"replace","value":{"` + pinURN + `":{"pin":"S8-extobj"}}}`)
	patch(`{"op":"replace","value":{"` + pinURN + `:pin":"S9-extkey"}}`)
	res = e.do("POST", a+"/Bulk", token, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
		{"method":"POST","path":"/Users","bulkId":"u","data":{"schemas":["`+userSchema+`"],"userName":"bulk1","password":"S10-bulkpost"}},
		{"method":"PATCH","path":"/Users/`+id+`","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations":[{"op":"replace","path":"password","value":"S11-bulkpatch"}]}},
		{"method":"PUT","path":"/Users/`+id+`","data":{"schemas":["`+userSchema+`"],"userName":"bjensen","PASSWORD":"S12-bulkput"}}]}`)
	require.Equal(t, 200, res.status, res.raw)
	res = e.do("POST", a+"/Users", token, `{"schemas":["`+userSchema+`"],"userName":"escaped","p\u0061ssword":"S13-escaped"}`)
	require.Equal(t, 201, res.status, res.raw)
	e.flush(t)

	entries, err := e.h.QueryLog(context.Background(), d.ID, directory.LogQuery{Limit: 100})
	require.NoError(t, err)
	require.Len(t, entries, 10)
	all, err := json.Marshal(entries)
	require.NoError(t, err)
	for i := 1; i <= 13; i++ {
		assert.False(t, strings.Contains(string(all), fmt.Sprintf(`S%d-`, i)), "secret %d reached the log", i)
	}
	for _, visible := range []string{"visible-badge", "visible-name", "bjensen", "bulk1"} {
		assert.Contains(t, string(all), visible, "only sensitive values are redacted")
	}
	assert.Equal(t, 13, strings.Count(string(all), directory.Redacted), "each secret is replaced, where it was")
}

func TestRequestLogEntries(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	e := newEnv(t, directory.WithClock(c.now), directory.WithLogBodyLimit(512))
	d, token := e.dir(t, "acme")
	_, tokB := e.dir(t, "bolt")
	const a = "/scim/acme/v2"
	res := e.do("POST", a+"/Users", token, userBody("bjensen"))
	require.Equal(t, 201, res.status)
	id := str(res.body["id"])
	e.do("POST", a+"/Users", token, userBody("bjensen"))
	e.do("GET", a+`/Users?filter=userName+eq+"bjensen"`, token, "")
	e.do("GET", a+"/Users/"+id, tokB, "")
	huge := `{"schemas":["` + userSchema + `"],"userName":"` + strings.Repeat("x", 1000) + `","password":"S-huge"}`
	res = e.do("POST", a+"/Users", token, huge)
	require.Equal(t, 201, res.status)
	big := str(res.body["id"])
	e.do("POST", a+"/Users", token, `{"password":"S-broken"`)
	e.flush(t)

	entries, err := e.h.QueryLog(context.Background(), d.ID, directory.LogQuery{})
	require.NoError(t, err)
	type row struct {
		Method, Path    string
		Status          int
		ScimType, ResID string
		Token           bool
		ReqPrefix       string
	}
	var got []row
	for _, en := range entries {
		assert.Equal(t, "test-idp/1.0", en.UserAgent)
		assert.Equal(t, c.now(), en.Time)
		got = append(got, row{en.Method, en.Path, en.Status, en.ScimType, en.ResourceID, en.TokenID != "",
			en.RequestBody[:min(len(en.RequestBody), 16)]})
	}
	assert.Equal(t, []row{
		{"POST", "/Users", 400, "invalidSyntax", "", true, "[body of 22 byte"},
		{"POST", "/Users", 201, "", big, true, fmt.Sprintf("[body of %d bytes", len(huge))[:16]},
		{"GET", "/Users/" + id, 401, "", id, false, ""},
		{"GET", `/Users?filter=userName+eq+"bjensen"`, 200, "", "", true, ""},
		{"POST", "/Users", 409, "uniqueness", "", true, `{"active":true,"`},
		{"POST", "/Users", 201, "", id, true, `{"active":true,"`},
	}, got, "newest first, with every field an administrator reads")
	assert.NotContains(t, fmt.Sprint(entries), "S-huge")
	assert.NotContains(t, fmt.Sprint(entries), "S-broken")

	errorsOnly, err := e.h.QueryLog(context.Background(), d.ID, directory.LogQuery{ErrorsOnly: true})
	require.NoError(t, err)
	assert.Len(t, errorsOnly, 3)
	byResource, err := e.h.QueryLog(context.Background(), d.ID, directory.LogQuery{ResourceID: id})
	require.NoError(t, err)
	assert.Len(t, byResource, 2)
}

func TestRequestLogIsBounded(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	tests := []struct {
		name    string
		size    int
		maxAge  time.Duration
		advance time.Duration
		want    int
	}{
		{"by count", 5, 0, 0, 5},
		{"by age", 100, time.Hour, 2 * time.Hour, 0},
		{"young enough", 100, time.Hour, 30 * time.Minute, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := directory.NewMemoryLog(directory.MemoryLogOptions{Size: tt.size, MaxAge: tt.maxAge, Now: c.now})
			e := newEnv(t, directory.WithClock(c.now), directory.WithLog(log))
			d, token := e.dir(t, "acme")
			for i := range 12 {
				e.do("GET", fmt.Sprintf("/scim/acme/v2/Users?count=%d", i), token, "")
			}
			e.flush(t)
			c.add(tt.advance)
			entries, err := e.h.QueryLog(context.Background(), d.ID, directory.LogQuery{Limit: 100})
			require.NoError(t, err)
			require.Len(t, entries, tt.want)
			if tt.want > 0 {
				assert.Equal(t, "/Users?count=11", entries[0].Path, "the newest are kept")
			}
		})
	}
}

func TestRequestLogUnderConcurrency(t *testing.T) {
	tests := []struct {
		name   string
		buffer int
	}{
		{"buffer large enough", 1000},
		{"buffer of one drops and counts, never blocks", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, directory.WithLogBuffer(tt.buffer))
			const workers, each = 8, 25
			dirs := make([]directory.Directory, 2)
			tokens := make([]string, 2)
			dirs[0], tokens[0] = e.dir(t, "acme")
			dirs[1], tokens[1] = e.dir(t, "bolt")
			statuses := make(chan int, workers*each)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					name := []string{"acme", "bolt"}[w%2]
					for i := range each {
						statuses <- e.do("GET", fmt.Sprintf("/scim/%s/v2/Users?count=%d", name, i), tokens[w%2], "").status
					}
				}()
			}
			wg.Wait()
			close(statuses)
			for s := range statuses {
				require.Equal(t, 200, s)
			}
			e.flush(t)
			total := 0
			for i, d := range dirs {
				entries, err := e.h.QueryLog(context.Background(), d.ID, directory.LogQuery{Limit: workers * each})
				require.NoError(t, err)
				seqs := map[int64]bool{}
				for _, en := range entries {
					assert.False(t, seqs[en.Seq])
					seqs[en.Seq] = true
					assert.Equal(t, d.ID, en.DirectoryID)
					assert.Equal(t, tokens[i][len(directory.TokenPrefix):][:16], en.TokenID, "each entry is in its own directory's log")
				}
				total += len(entries)
			}
			assert.Equal(t, workers*each, total+int(e.h.LogDropped()), "every request is logged or counted as dropped")
			if tt.buffer >= workers*each {
				assert.Zero(t, e.h.LogDropped())
			}
		})
	}
}
