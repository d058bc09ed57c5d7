package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim/internal/pgtest"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
)

// PostgresEnv names the variable holding the DSN of a PostgreSQL server
// for the tests, such as postgres://postgres@127.0.0.1:5432/postgres.
const PostgresEnv = pgtest.Env

// openSQLite opens a new SQLite database file.
func openSQLite(t testing.TB) *sqlstore.DB {
	store, _ := openSQLiteRaw(t)
	return store
}

func openSQLiteRaw(t testing.TB) (*sqlstore.DB, *sql.DB) {
	t.Helper()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "scim.db")))
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	store, err := sqlstore.Open(context.Background(), db, sqlstore.SQLite, sqlstore.Options{})
	require.NoError(t, err)
	return store, db
}

// openPostgres opens the database of PostgresEnv with tables of a new
// prefix, or skips the test when the variable is not set.
func openPostgres(t testing.TB) *sqlstore.DB {
	store, _, _ := openPostgresRaw(t)
	return store
}

func openPostgresRaw(t testing.TB) (*sqlstore.DB, *sql.DB, string) {
	t.Helper()
	db, prefix := pgtest.Open(t)
	store, err := sqlstore.Open(context.Background(), db, sqlstore.Postgres, sqlstore.Options{TablePrefix: prefix})
	require.NoError(t, err)
	return store, db, prefix
}

func dialects() map[string]func(testing.TB) *sqlstore.DB {
	return map[string]func(testing.TB) *sqlstore.DB{"SQLite": openSQLite, "PostgreSQL": openPostgres}
}

func TestConformance(t *testing.T) {
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Stores {
				db := open(t)
				return storetest.Stores{Users: db.Users(), Groups: db.Groups()}
			})
		})
	}
}

// TestOpenRefusesAnUnknownDialect: a Dialect is one of the constants; the
// zero value is refused rather than taken for SQLite.
func TestOpenRefusesAnUnknownDialect(t *testing.T) {
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "x.db")))
	require.NoError(t, err)
	defer db.Close()
	for _, d := range []sqlstore.Dialect{0, 7} {
		_, err := sqlstore.Open(context.Background(), db, d, sqlstore.Options{})
		assert.Error(t, err, "dialect %v", d)
	}
	assert.Equal(t, "sqlite", sqlstore.SQLite.String())
	assert.Equal(t, "postgres", sqlstore.Postgres.String())
}
