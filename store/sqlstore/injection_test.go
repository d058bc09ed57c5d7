package sqlstore_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

// injectionPayloads are values that would change a query built by
// concatenating text, for either SQL dialect, or that stress escaping.
var injectionPayloads = []string{
	`x" or 1=1 --`,
	`x' or '1'='1`,
	`'; DROP TABLE scim_resources; --`,
	`'); DELETE FROM scim_members; --`,
	`" OR ""="`,
	`\`, `\\`, `\"`, `a\`,
	`%`, `_`, `a%`, `[a-z]*`, `$1`, `?`,
	"nul\x00byte",
	"line\nbreak\ttab\r",
	`ünïcödé`, `日本語`, `🔥`, "\u202eevil",
	`' UNION SELECT id, data FROM scim_resources --`,
	`1; SELECT pg_sleep(10)`,
	`*/ OR /*`,
	`) OR (1=1`,
	`data->>'password'`,
}

// TestFilterValuesNeverReachSQLAsText stores users whose attributes hold
// injection payloads, then filters every indexed and JSON attribute with
// every operator and every payload: each filter gives a clean result equal
// to the memory store's, and the tables are intact afterwards.
func TestFilterValuesNeverReachSQLAsText(t *testing.T) {
	rt := schema.UserResourceType()
	ctx := context.Background()
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			mem := memory.New()
			for i, p := range injectionPayloads {
				if strings.ContainsRune(p, 0) {
					continue // refused by schema validation before a store sees it
				}
				attrs := map[string]any{
					"userName":                     "user-" + p,
					"externalId":                   p,
					"displayName":                  p,
					"title":                        p,
					"name":                         map[string]any{"familyName": p},
					"emails":                       []any{map[string]any{"value": p + "@example.com", "type": "work"}},
					schema.EnterpriseUserSchemaURN: map[string]any{"employeeNumber": p},
				}
				if i%2 == 0 {
					delete(attrs, "title")
				}
				_, errMem := mem.Users().Create(ctx, &scim.Resource{Attributes: copyAttrs(attrs)})
				_, errSQL := db.Users().Create(ctx, &scim.Resource{Attributes: copyAttrs(attrs)})
				require.Equal(t, errMem == nil, errSQL == nil, "payload %q: memory %v, SQL %v", p, errMem, errSQL)
			}
			before, err := db.Users().List(ctx, &scim.Query{StartIndex: 1, Count: 1000})
			require.NoError(t, err)
			require.Equal(t, len(injectionPayloads)-1, before.TotalResults)

			// An indexed column, a JSON attribute, a JSON array's
			// sub-attribute and an extension's, with every operator; id
			// only with eq and ne, as ids differ between the stores.
			compared := 0
			compare := func(expr string) {
				t.Helper()
				e, err := filter.Parse(expr, rt, filter.Options{})
				if strings.Contains(expr, `\u0000`) {
					assert.Error(t, err, "filter %s: NUL is refused before SQL", expr)
					return
				}
				require.NoError(t, err, "filter %s", expr)
				// Only userName is shown, so that no group lookups run.
				q := &scim.Query{Filter: e, StartIndex: 1, Count: 1000, Projection: schema.Projection{Attributes: []string{"userName"}}}
				want, err := mem.Users().List(ctx, q)
				require.NoError(t, err)
				got, err := db.Users().List(ctx, q)
				require.NoError(t, err, "filter %s", expr)
				assert.ElementsMatch(t, userNames(want), userNames(got), "filter %s", expr)
				compared++
			}
			for i, p := range injectionPayloads {
				quoted, err := json.Marshal(p)
				require.NoError(t, err)
				v := string(quoted)
				for j, op := range []string{"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"} {
					// Each payload meets every operator; the attributes
					// take turns, so that each attribute meets every
					// operator across the payloads.
					switch (i + j) % 3 {
					case 0:
						compare(`userName ` + op + ` ` + v + ` or title ` + op + ` ` + v)
					case 1:
						compare(`emails[value ` + op + ` ` + v + `] and not (` + schema.EnterpriseUserSchemaURN + `:employeeNumber ` + op + ` ` + v + `)`)
					default:
						compare(`name.familyName ` + op + ` ` + v)
					}
				}
				compare(`id eq ` + v + ` or externalId eq ` + v)
				compare(`id ne ` + v + ` and displayName ne ` + v)
			}
			t.Logf("%d filters compared", compared)

			// Hostile attribute paths and sort keys never reach SQL: they
			// are refused before.
			for _, bad := range []string{`userName"; DROP TABLE x; --`, `user_name) OR (1=1`, `data->>'password'`, `emails[value eq "a"]) or (1`} {
				_, err := filter.Parse(bad+` eq "x"`, rt, filter.Options{})
				assert.Error(t, err, bad)
				_, err = filter.ParseAttrPath(bad, rt)
				assert.Error(t, err, bad)
			}

			after, err := db.Users().List(ctx, &scim.Query{StartIndex: 1, Count: 1000})
			require.NoError(t, err)
			assert.Equal(t, userNames(before), userNames(after), "the table is intact")
			g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "still works",
				"members": []any{map[string]any{"value": after.Resources[0].ID}}}})
			require.NoError(t, err, "the members table is intact")
			assert.Len(t, g.Attributes["members"], 1)
		})
	}
}

func copyAttrs(in map[string]any) map[string]any {
	data, _ := json.Marshal(in)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}

// TestHostileStoredValuesRoundTrip stores each payload and reads it back
// unchanged by id and by an eq filter on an indexed and a JSON attribute.
func TestHostileStoredValuesRoundTrip(t *testing.T) {
	ctx := context.Background()
	rt := schema.UserResourceType()
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			for _, p := range injectionPayloads {
				if strings.ContainsRune(p, 0) {
					continue
				}
				created, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "rt-" + p, "nickName": p}})
				require.NoError(t, err, "payload %q", p)
				got, err := db.Users().Get(ctx, created.ID, schema.Projection{})
				require.NoError(t, err)
				assert.Equal(t, "rt-"+p, got.Attributes["userName"])
				assert.Equal(t, p, got.Attributes["nickName"])
				for _, attr := range []string{"userName", "nickName"} {
					want := p
					if attr == "userName" {
						want = "rt-" + p
					}
					quoted, _ := json.Marshal(want)
					e, err := filter.Parse(attr+" eq "+string(quoted), rt, filter.Options{})
					require.NoError(t, err)
					page, err := db.Users().List(ctx, &scim.Query{Filter: e, StartIndex: 1, Count: 10})
					require.NoError(t, err, "payload %q", p)
					if assert.Equal(t, 1, page.TotalResults, "%s eq %q", attr, want) {
						assert.Equal(t, created.ID, page.Resources[0].ID)
					}
				}
			}
		})
	}
}

// TestNULIsRefusedBeforeSQL sends U+0000 through the Server in every place
// a client controls: bodies, ids, filters and PATCH values. Each is a
// client error (never a 500 from the database) and nothing is stored.
func TestNULIsRefusedBeforeSQL(t *testing.T) {
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()), scim.WithoutAuthentication(),
				scim.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			require.NoError(t, err)
			send := func(method, path, body string) int {
				req := httptest.NewRequest(method, path, strings.NewReader(body))
				req.Header.Set("Content-Type", scim.ContentType)
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				return rec.Code
			}
			user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u"}`
			require.Equal(t, http.StatusCreated, send("POST", "/Users", user))
			page, err := db.Users().List(context.Background(), &scim.Query{StartIndex: 1, Count: 1})
			require.NoError(t, err)
			id := page.Resources[0].ID
			group := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g"}`
			require.Equal(t, http.StatusCreated, send("POST", "/Groups", group))
			gpage, err := db.Groups().List(context.Background(), &scim.Query{StartIndex: 1, Count: 1})
			require.NoError(t, err)
			gid := gpage.Resources[0].ID
			patchOp := func(op string) string {
				return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + op + `]}`
			}
			for _, tt := range []struct {
				method, path, body string
				want               int
			}{
				{"POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a\u0000b"}`, http.StatusBadRequest},
				{"POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"v","emails":[{"value":"\u0000"}]}`, http.StatusBadRequest},
				{"POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"h","members":[{"value":"\u0000"}]}`, http.StatusBadRequest},
				{"PUT", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","title":"\u0000"}`, http.StatusBadRequest},
				{"PATCH", "/Users/" + id, patchOp(`{"op":"replace","path":"title","value":"\u0000"}`), http.StatusBadRequest},
				{"PATCH", "/Groups/" + gid, patchOp(`{"op":"add","path":"members","value":[{"value":"x\u0000"}]}`), http.StatusBadRequest},
				{"PATCH", "/Groups/" + gid, patchOp(`{"op":"remove","path":"members[value eq \"x\u0000\"]"}`), http.StatusBadRequest},
				{"GET", "/Users/%00", "", http.StatusNotFound},
				{"GET", "/Users/" + id + "%00", "", http.StatusNotFound},
				{"PUT", "/Users/%00", user, http.StatusNotFound},
				{"PATCH", "/Users/%00", patchOp(`{"op":"replace","path":"title","value":"t"}`), http.StatusNotFound},
				{"DELETE", "/Users/%00", "", http.StatusNotFound},
				{"GET", "/Users?filter=" + url.QueryEscape(`userName eq "u\u0000"`), "", http.StatusBadRequest},
				{"GET", "/Groups?filter=" + url.QueryEscape(`members[value eq "\u0000"]`), "", http.StatusBadRequest},
				{"POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"externalId sw \"\\u0000\""}`, http.StatusBadRequest},
			} {
				assert.Equal(t, tt.want, send(tt.method, tt.path, tt.body), "%s %s %s", tt.method, tt.path, tt.body)
			}
			page, err = db.Users().List(context.Background(), &scim.Query{StartIndex: 1, Count: 10})
			require.NoError(t, err)
			assert.Equal(t, 1, page.TotalResults)
			assert.NotContains(t, page.Resources[0].Attributes, "title")
		})
	}
}
