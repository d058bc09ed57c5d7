package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/sqlstore"
)

// A database made before the fold columns gets them, filled for the rows
// it holds, so that SCIM finds its users by a case-folded userName.
func TestUpgradeAddsFoldColumns(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "old.db")))
	require.NoError(t, err)
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{
		`CREATE TABLE users (id INTEGER PRIMARY KEY, scim_id TEXT, username TEXT NOT NULL, display_name TEXT, email TEXT, external_ref TEXT)`,
		`CREATE TABLE teams (id INTEGER PRIMARY KEY, scim_id TEXT, name TEXT NOT NULL)`,
		`INSERT INTO users (username, display_name, email) VALUES ('ÄRGER@example.com', 'Σίσυφος', NULL)`,
		`INSERT INTO teams (name) VALUES ('STRAẞE')`,
	} {
		_, err := db.ExecContext(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	require.NoError(t, upgradeForDirectories(ctx, db))
	require.NoError(t, upgradeForDirectories(ctx, db), "a second run changes nothing")

	var user, display string
	var email sql.NullString
	require.NoError(t, db.QueryRowContext(ctx, `SELECT username_fold, display_name_fold, email_fold FROM users`).Scan(&user, &display, &email))
	assert.Equal(t, "ärger@example.com", user)
	assert.Equal(t, "σίσυφοσ", display)
	assert.False(t, email.Valid, "no value, no fold")
	var team string
	require.NoError(t, db.QueryRowContext(ctx, `SELECT name_fold FROM teams`).Scan(&team))
	assert.Equal(t, "straße", team)
}
