package boot

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestToken(t *testing.T) {
	var out bytes.Buffer
	got, err := Token("secret", &out)
	require.NoError(t, err)
	assert.Equal(t, "secret", got)
	assert.Empty(t, out.String(), "a given token is never printed")

	generated, err := Token("", &out)
	require.NoError(t, err)
	assert.Len(t, generated, 48)
	assert.Equal(t, 1, strings.Count(out.String(), generated), "the generated token is printed once")
	other, err := Token("", io.Discard)
	require.NoError(t, err)
	assert.NotEqual(t, generated, other)
}

// The database is created with the app's tables, opening it again keeps
// its rows, and foreign keys are enforced.
func TestSQLite(t *testing.T) {
	file := filepath.Join(t.TempDir(), "app.db")
	schema := []string{
		`CREATE TABLE IF NOT EXISTS teams (id INTEGER PRIMARY KEY)`,
		`CREATE TABLE IF NOT EXISTS members (team_id INTEGER NOT NULL REFERENCES teams (id))`,
	}
	db, err := SQLite(context.Background(), file, schema)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO teams (id) VALUES (1)`)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO members (team_id) VALUES (2)`)
	assert.Error(t, err, "a member of a team that does not exist is refused")
	require.NoError(t, db.Close())

	db, err = SQLite(context.Background(), file, schema)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM teams`).Scan(&n))
	assert.Equal(t, 1, n)

	_, err = SQLite(context.Background(), file, []string{"CREATE TABLE broken ("})
	assert.ErrorContains(t, err, "creating tables")
}
