package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/sqlstore"
)

func TestAsUniqueViolation(t *testing.T) {
	opens := map[string]func(t *testing.T) (*sql.DB, string){
		"SQLite": func(t *testing.T) (*sql.DB, string) { _, db := openSQLiteRaw(t); return db, "u_" },
		"PostgreSQL": func(t *testing.T) (*sql.DB, string) {
			_, db, prefix := openPostgresRaw(t)
			return db, prefix
		},
	}
	for name, open := range opens {
		t.Run(name, func(t *testing.T) {
			db, prefix := open(t)
			ctx := context.Background()
			table := prefix + "people"
			_, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (id INTEGER PRIMARY KEY, login TEXT NOT NULL)")
			require.NoError(t, err)
			_, err = db.ExecContext(ctx, "CREATE UNIQUE INDEX "+table+"_login ON "+table+" (lower(login))")
			require.NoError(t, err)
			insert := func(id int, login any) error {
				_, err := db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (id, login) VALUES (%d, $1)", table, id), login)
				return err
			}
			require.NoError(t, insert(1, "alice"))
			tests := []struct {
				name   string
				err    error
				unique bool
			}{
				{"unique index", insert(2, "ALICE"), true},
				{"primary key", insert(1, "bob"), true},
				{"not null", insert(3, nil), false},
				{"wrapped", fmt.Errorf("write: %w", insert(4, "Alice")), true},
				{"other error", errors.New("UNIQUE constraint failed: in a message only"), false},
				{"nil", nil, false},
			}
			for _, tt := range tests {
				uv := sqlstore.AsUniqueViolation(tt.err)
				assert.Equal(t, tt.unique, uv != nil, tt.name)
				if uv != nil {
					assert.ErrorIs(t, uv, errors.Unwrap(uv), tt.name)
				}
			}
			if name == "PostgreSQL" {
				assert.Equal(t, table+"_login", sqlstore.AsUniqueViolation(insert(5, "alice")).Constraint)
			}
		})
	}
}
