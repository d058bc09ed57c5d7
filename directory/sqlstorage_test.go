package directory_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim/directory/sqldir"
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
	dsn := os.Getenv("SCIM_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("set SCIM_POSTGRES_DSN to a PostgreSQL DSN to run the PostgreSQL tests (.ci/run does)")
	}
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "d" + hex.EncodeToString(b[:]) + "_"
	t.Cleanup(func() {
		defer db.Close()
		rows, err := db.Query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)`, prefix)
		if !assert.NoError(t, err) {
			return
		}
		var tables []string
		for rows.Next() {
			var name string
			if assert.NoError(t, rows.Scan(&name)) {
				tables = append(tables, `"`+name+`"`)
			}
		}
		assert.NoError(t, rows.Close())
		if len(tables) > 0 {
			_, err := db.Exec("DROP TABLE IF EXISTS " + strings.Join(tables, ", ") + " CASCADE")
			assert.NoError(t, err)
		}
	})
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
