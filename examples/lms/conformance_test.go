package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/examples/internal/boot"
	"github.com/scimkit/scim/examples/internal/schemacheck"
	"github.com/scimkit/scim/store/sqlmap"
	"github.com/scimkit/scim/store/storetest"
)

// TestConformance runs the store contract suite over the LMS's own users
// table in both DELETE modes. The LMS serves no Groups and its store has
// no native PATCH (the server applies PATCH), so those cases skip.
func TestConformance(t *testing.T) {
	for _, onDelete := range []string{"deactivate", "delete"} {
		t.Run("on-delete="+onDelete, func(t *testing.T) {
			open := func(t *testing.T) *sqlmap.Stores {
				db, err := boot.SQLite(context.Background(), filepath.Join(t.TempDir(), "lms.db"), tables)
				require.NoError(t, err)
				t.Cleanup(func() { db.Close() })
				_, st, err := newSCIM(db, onDelete == "deactivate", token, slog.New(slog.NewTextHandler(io.Discard, nil)))
				require.NoError(t, err)
				return st
			}
			st := open(t)
			caps := storetest.Capabilities{Users: st.Users().ResourceType(), Cursors: true,
				Filter: st.Users().Queryable(), Sort: st.Users().Queryable()}
			storetest.RunWith(t, caps, func(t *testing.T) storetest.Stores {
				return storetest.Stores{Users: open(t).Users()}
			})
		})
	}
}

// TestAdvertisedSchemaRoundTrips checks over HTTP that every attribute the
// LMS advertises in /Schemas round-trips through POST, GET, PUT and
// PATCH, and that nothing it does not advertise comes back.
func TestAdvertisedSchemaRoundTrips(t *testing.T) {
	_, h := newTestApp(t, "deactivate")
	schemacheck.Run(t, h, "/scim/v2", token)
}
