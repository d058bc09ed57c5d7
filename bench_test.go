package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/fixture"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

// benchServer is a Server over a memory store holding n typical users,
// called in process through ServeHTTP.
type benchServer struct {
	srv http.Handler
	db  *memory.DB
	ids []string
}

func newBenchServer(b *testing.B, n int) *benchServer {
	b.Helper()
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()),
		scim.WithBearerToken("bench", "bench-token"), scim.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	bs := &benchServer{srv: srv, db: db}
	for i := 0; i < n; i++ {
		res, err := db.Users().Create(context.Background(), &scim.Resource{Attributes: fixture.User(i)})
		if err != nil {
			b.Fatal(err)
		}
		bs.ids = append(bs.ids, res.ID)
	}
	return bs
}

// do serves one request and fails the benchmark on another status.
func (bs *benchServer) do(b *testing.B, method, target string, body []byte, want int) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	req.Header.Set("Authorization", "Bearer bench-token")
	if body != nil {
		req.Header.Set("Content-Type", scim.ContentType)
	}
	rec := httptest.NewRecorder()
	bs.srv.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: status %d, want %d: %s", method, target, rec.Code, want, rec.Body)
	}
}

// bareHandler is the reference the Server is compared with: it returns a
// user document held in a map, encoded as JSON, and does nothing else.
func bareHandler(docs map[string]map[string]any) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /Users/{id}", func(w http.ResponseWriter, r *http.Request) {
		doc, ok := docs[r.PathValue("id")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	})
	return mux
}

// BenchmarkGetUser reads one user by id through the Server and, beside
// it, through the bare handler holding the same documents.
func BenchmarkGetUser(b *testing.B) {
	bs := newBenchServer(b, 1000)
	docs := map[string]map[string]any{}
	for _, id := range bs.ids {
		res, err := bs.db.Users().Get(context.Background(), id, schema.Projection{})
		if err != nil {
			b.Fatal(err)
		}
		docs[id] = scim.Document(schema.UserResourceType(), res)
	}
	bare := bareHandler(docs)
	b.Run("scim", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			bs.do(b, http.MethodGet, "/Users/"+bs.ids[i%len(bs.ids)], nil, http.StatusOK)
		}
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			req := httptest.NewRequest(http.MethodGet, "/Users/"+bs.ids[i%len(bs.ids)], nil)
			rec := httptest.NewRecorder()
			bare.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code)
			}
		}
	})
}

// BenchmarkCreateUser posts a typical user: decode, validate and
// canonicalise, store, render and encode, once each.
func BenchmarkCreateUser(b *testing.B) {
	bs := newBenchServer(b, 0)
	bodies := make([][]byte, 0, 1024)
	for i := 0; i < cap(bodies); i++ {
		attrs := fixture.User(0)
		attrs["schemas"] = []any{schema.UserSchemaURN, schema.EnterpriseUserSchemaURN}
		attrs["userName"] = fmt.Sprintf("%%d-%d@example.com", i) // made unique below
		body, err := json.Marshal(attrs)
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := bytes.Replace(bodies[i%len(bodies)], []byte("%d"), []byte(fmt.Sprint(i)), 1)
		bs.do(b, http.MethodPost, "/Users", body, http.StatusCreated)
	}
}

// BenchmarkFilterUserNameEq looks a user up by userName through the
// Server, at two store sizes: the figures should be alike.
func BenchmarkFilterUserNameEq(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			bs := newBenchServer(b, n)
			targets := make([]string, 1024)
			for i := range targets {
				targets[i] = "/Users?filter=" + url.QueryEscape(fmt.Sprintf(`userName eq "USER%07d@example.com"`, (i*7919)%n))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bs.do(b, http.MethodGet, targets[i%len(targets)], nil, http.StatusOK)
			}
		})
	}
}

// BenchmarkPatchActive deactivates and reactivates a user, as identity
// providers do, through the Server.
func BenchmarkPatchActive(b *testing.B) {
	bs := newBenchServer(b, 1000)
	// As in an application's directory, every user is in a group or two,
	// so that every new version carries a computed "groups" attribute.
	for _, name := range []string{"Everyone", "Engineering"} {
		members := make([]any, len(bs.ids))
		for i, id := range bs.ids {
			members[i] = map[string]any{"value": id}
		}
		if _, err := bs.db.Groups().Create(context.Background(), &scim.Resource{Attributes: map[string]any{"displayName": name, "members": members}}); err != nil {
			b.Fatal(err)
		}
	}
	patchOp := func(op string) []byte {
		return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + op + `]}`)
	}
	for _, dialect := range []struct {
		name   string
		bodies [2][]byte
	}{
		{"RFC", [2][]byte{patchOp(`{"op":"replace","path":"active","value":false}`), patchOp(`{"op":"replace","path":"active","value":true}`)}},
		// Entra ID capitalises the op and sends booleans as strings.
		{"Entra", [2][]byte{patchOp(`{"op":"Replace","path":"active","value":"False"}`), patchOp(`{"op":"Replace","path":"active","value":"True"}`)}},
	} {
		b.Run(dialect.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				bs.do(b, http.MethodPatch, "/Users/"+bs.ids[(i/2)%len(bs.ids)], dialect.bodies[i%2], http.StatusOK)
			}
		})
	}
}

// BenchmarkPatchMember adds and removes one member of a group of 100 and
// of 100,000 members through the Server: the figures should be alike.
func BenchmarkPatchMember(b *testing.B) {
	for _, n := range []int{100, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			bs := newBenchServer(b, 0)
			members := make([]any, n)
			for i := range members {
				u, err := bs.db.Users().Create(context.Background(), &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprint("member-", i)}})
				if err != nil {
					b.Fatal(err)
				}
				members[i] = map[string]any{"value": u.ID}
			}
			added, err := bs.db.Users().Create(context.Background(), &scim.Resource{Attributes: map[string]any{"userName": "new"}})
			if err != nil {
				b.Fatal(err)
			}
			g, err := bs.db.Groups().Create(context.Background(), &scim.Resource{Attributes: map[string]any{"displayName": "Big", "members": members}})
			if err != nil {
				b.Fatal(err)
			}
			ops := [2][]byte{
				[]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + added.ID + `"}]}]}`),
				[]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"` + added.ID + `\"]"}]}`),
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bs.do(b, http.MethodPatch, "/Groups/"+g.ID, ops[i%2], http.StatusNoContent)
			}
		})
	}
}

// BenchmarkListUsers reads a page of 100 users through the Server.
func BenchmarkListUsers(b *testing.B) {
	bs := newBenchServer(b, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bs.do(b, http.MethodGet, "/Users?startIndex=1&count=100", nil, http.StatusOK)
	}
}
