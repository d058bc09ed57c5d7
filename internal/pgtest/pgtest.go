// Package pgtest gives a test the PostgreSQL server that SCIM_POSTGRES_DSN
// names, under a table prefix of its own whose tables are dropped when the
// test ends, so that test runs leave the database as they found it and
// tests running side by side never share a table.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Env names the variable that holds the DSN of the tests' PostgreSQL
// server.
const Env = "SCIM_POSTGRES_DSN"

// Open returns a connection pool to the tests' PostgreSQL server and a
// fresh table prefix ("t" and 12 hex digits and "_"). The tables whose
// names start with the prefix are dropped, and the pool closed, when the
// test ends. Without Env the test is skipped with a message naming it;
// .ci/run sets it, so that no PostgreSQL test skips there.
func Open(t testing.TB) (*sql.DB, string) {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL DSN to run the PostgreSQL tests (.ci/run does)", Env)
	}
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "t" + hex.EncodeToString(b[:]) + "_"
	t.Cleanup(func() {
		defer db.Close()
		DropTables(t, db, prefix)
	})
	return db, prefix
}

// DropTables drops the tables whose names start with prefix.
func DropTables(t testing.TB, db *sql.DB, prefix string) {
	rows, err := db.Query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)`, prefix)
	if !assert.NoError(t, err, "listing the test's tables") {
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
		_, err = db.Exec("DROP TABLE IF EXISTS " + strings.Join(tables, ", ") + " CASCADE")
		assert.NoError(t, err, "dropping the test's tables")
	}
}
