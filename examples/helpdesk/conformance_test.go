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

// TestConformance runs the store contract suite over the helpdesk's own
// users, teams and team_members tables. Its stores have no native PATCH
// (the server applies PATCH) and cannot filter on a team's members, so
// those cases skip.
func TestConformance(t *testing.T) {
	open := func(t *testing.T) *sqlmap.Stores {
		db, err := boot.SQLite(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"), tables)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		_, st, err := newSCIM(db, token, &provisioning{db: db, logger: logger}, logger)
		require.NoError(t, err)
		return st
	}
	st := open(t)
	queryable := append(st.Users().Queryable(), st.Groups().Queryable()...)
	caps := storetest.Capabilities{Users: st.Users().ResourceType(), Groups: st.Groups().ResourceType(),
		MemberDisplay: true, Cursors: true, Filter: queryable, Sort: queryable}
	storetest.RunWith(t, caps, func(t *testing.T) storetest.Stores {
		st := open(t)
		return storetest.Stores{Users: st.Users(), Groups: st.Groups()}
	})
}

// TestAdvertisedSchemaRoundTrips checks over HTTP that every attribute the
// helpdesk advertises in /Schemas round-trips through POST, GET, PUT and
// PATCH, and that nothing it does not advertise comes back.
func TestAdvertisedSchemaRoundTrips(t *testing.T) {
	_, h := newTestApp(t, nil)
	schemacheck.Run(t, h, "/scim/v2", token)
}
