package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/cputime"
	"github.com/scimkit/scim/store/sqlstore"
)

// rawUserNameHandler is the least a server answering
// GET /Users?filter=userName eq "..." over the store's table can do: read
// the filter's value, run the indexed SELECT of the stored JSON through
// the same connection pool, and write the bytes read, decoding nothing
// (loadtest's raw-query handler does the same).
func rawUserNameHandler(db *sql.DB, prefix string, postgres bool) http.Handler {
	query := "SELECT data FROM " + prefix + "resources WHERE dir = '' AND type = 'User' AND user_name_lower = lower(?)"
	if postgres {
		query = strings.Replace(query, "?", "$1", 1)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attr, rest, ok := strings.Cut(r.URL.Query().Get("filter"), ` eq "`)
		if !ok || attr != "userName" || !strings.HasSuffix(rest, `"`) {
			http.Error(w, "unsupported", http.StatusBadRequest)
			return
		}
		var data []byte
		if err := db.QueryRowContext(r.Context(), query, rest[:len(rest)-1]).Scan(&data); err != nil {
			http.Error(w, "query failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", scim.ContentType)
		_, _ = w.Write(data)
	})
}

// BenchmarkServeUserNameEq serves GET /Users?filter=userName eq "..."
// in the process, through httptest: "store" through a scim.Server over
// the store, "raw" through rawUserNameHandler over the same table and
// *sql.DB. The requests cycle through 100 users, each read many times
// between writes (none happen), as a provisioning client's sync cycles
// read them. "ratio" alternates batches of both, so that a busy moment of
// a shared machine slows them alike, and reports store/raw: the server's
// time for a lookup over the least the database allows; cpu-store/raw is
// the same for the CPU time of this process (on PostgreSQL the time also
// holds the database server's work, the CPU time does not). "uncached" and
// "uncached-ratio" do the same through a server over a DB without a
// snapshot cache (Options.SnapshotCacheSize -1), which decodes, renders
// and encodes every read: the cost of a read of a resource that changed
// since the last one.
func BenchmarkServeUserNameEq(b *testing.B) {
	for _, dialect := range []string{"SQLite", "PostgreSQL"} {
		b.Run(dialect+"/10000", func(b *testing.B) {
			const n, users = 10000, 100
			store, db, prefix := openRaw(b, dialect)
			d := sqlstore.SQLite
			if dialect == "PostgreSQL" {
				d = sqlstore.Postgres
			}
			fillUsers(b, db, d, prefix, n)
			server := func(store *sqlstore.DB) http.Handler {
				srv, err := scim.New(scim.WithUsers(store.Users()), scim.WithGroups(store.Groups()),
					scim.WithoutAuthentication(), scim.WithBaseURL("https://scim.example.com/scim/v2"))
				if err != nil {
					b.Fatal(err)
				}
				return srv
			}
			srv := server(store)
			uncachedStore, err := sqlstore.Open(context.Background(), db, d, sqlstore.Options{TablePrefix: prefix, SnapshotCacheSize: -1})
			if err != nil {
				b.Fatal(err)
			}
			uncached := server(uncachedStore)
			raw := rawUserNameHandler(db, prefix, d == sqlstore.Postgres)
			targets := make([]string, users)
			for i := range targets {
				targets[i] = "/Users?filter=" + url.QueryEscape(fmt.Sprintf(`userName eq "USER%d@example.com"`, i*(n/users)))
			}
			serve := func(b *testing.B, h http.Handler, i int) {
				req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, targets[i%users], nil)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "@example.com") {
					b.Fatalf("%s: %d %s", targets[i%users], w.Code, w.Body)
				}
			}
			// One pass over the users first, as a running server has
			// read them before.
			for i := 0; i < users; i++ {
				serve(b, srv, i)
			}
			b.Run("store", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					serve(b, srv, i)
				}
			})
			b.Run("uncached", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					serve(b, uncached, i)
				}
			})
			b.Run("raw", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					serve(b, raw, i)
				}
			})
			ratio := func(h http.Handler) func(b *testing.B) {
				return func(b *testing.B) {
					const batch = 50
					var storeTime, rawTime, storeCPU, rawCPU time.Duration
					for done := 0; done < b.N; done += batch {
						t0, c0 := time.Now(), cputime.Process()
						for i := 0; i < batch; i++ {
							serve(b, h, done+i)
						}
						t1, c1 := time.Now(), cputime.Process()
						for i := 0; i < batch; i++ {
							serve(b, raw, done+i)
						}
						storeTime += t1.Sub(t0)
						rawTime += time.Since(t1)
						storeCPU += c1 - c0
						rawCPU += cputime.Process() - c1
					}
					b.ReportMetric(float64(storeTime)/float64(rawTime), "store/raw")
					if cputime.Process() >= 0 && rawCPU > 0 {
						b.ReportMetric(float64(storeCPU)/float64(rawCPU), "cpu-store/raw")
					}
				}
			}
			b.Run("ratio", ratio(srv))
			b.Run("uncached-ratio", ratio(uncached))
		})
	}
}
