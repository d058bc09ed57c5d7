package directory_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim/directory/sqldir"
	"github.com/scimkit/scim/internal/pgtest"
	"github.com/scimkit/scim/store/sqlstore"
)

// sqliteStorage keeps directories, tokens, data and log in one SQLite file.
func sqliteStorage(t testing.TB) storage {
	t.Helper()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "directories.db")))
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return sqlStorage(t, db, sqlstore.SQLite, "scim_")
}

// postgresStorage keeps them in PostgreSQL, under tables of their own that
// the test drops.
func postgresStorage(t testing.TB) storage {
	t.Helper()
	db, prefix := pgtest.Open(t)
	return sqlStorage(t, db, sqlstore.Postgres, prefix)
}

func sqlStorage(t testing.TB, db *sql.DB, d sqlstore.Dialect, prefix string) storage {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, db, d, sqlstore.Options{TablePrefix: prefix})
	require.NoError(t, err)
	reg, err := sqldir.NewRegistry(ctx, db, d, sqldir.Options{TablePrefix: prefix})
	require.NoError(t, err)
	log, err := sqldir.NewLog(ctx, db, d, sqldir.LogOptions{TablePrefix: prefix, Size: 1000})
	require.NoError(t, err)
	return storage{reg: reg, be: sqldir.NewBackend(store), log: log}
}
