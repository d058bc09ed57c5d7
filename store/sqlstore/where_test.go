package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
)

// hostColumns maps attributes to the columns of a host's own users table.
var hostColumns = map[string]string{
	"userName":        "username",
	"name.givenName":  "first_name",
	"name.familyName": "last_name",
	"emails.value":    "email",
	"emails":          "email",
	"active":          "active",
	"externalId":      "external_ref",
}

func TestWhereOnAHostTable(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "host.db"))
	require.NoError(t, err)
	defer db.Close()
	ctx := context.Background()
	_, err = db.ExecContext(ctx, `CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, first_name TEXT, last_name TEXT, email TEXT, active INTEGER, external_ref TEXT)`)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `INSERT INTO users (username, first_name, last_name, email, active, external_ref) VALUES
		('bjensen', 'Barbara', 'Jensen', 'bjensen@example.com', 1, 'E1'),
		('alice', 'Alice', 'O''Malley', 'alice@example.org', 0, 'e1'),
		('carol', NULL, 'Smith', NULL, 1, NULL)`)
	require.NoError(t, err)
	rt := schema.UserResourceType()
	tests := []struct {
		filter string
		want   []string
	}{
		{`userName eq "BJENSEN"`, []string{"bjensen"}},
		{`externalId eq "e1"`, []string{"alice"}},
		{`name.familyName co "'Mal"`, []string{"alice"}},
		{`emails co "example"`, []string{"bjensen", "alice"}},
		{`active eq "False"`, []string{"alice"}},
		{`not (name.givenName pr)`, []string{"carol"}},
		{`name.givenName ne "Alice"`, []string{"bjensen", "carol"}},
		{`userName eq "x' OR '1'='1"`, []string{}},
		{`userName sw "a" or emails ew ".com"`, []string{"bjensen", "alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := filter.Parse(tt.filter, rt, filter.Options{})
			require.NoError(t, err)
			cond, args, err := sqlstore.Where(e, rt, sqlstore.SQLite, hostColumns)
			require.NoError(t, err)
			assert.NotContains(t, cond, "1'='1", "values are never inlined")
			assert.NotContains(t, cond, "BJENSEN")
			rows, err := db.QueryContext(ctx, "SELECT username FROM users WHERE "+cond+" ORDER BY id", args...)
			require.NoError(t, err)
			defer rows.Close()
			got := []string{}
			for rows.Next() {
				var u string
				require.NoError(t, rows.Scan(&u))
				got = append(got, u)
			}
			assert.Equal(t, tt.want, got)
		})
	}
	e, err := filter.Parse(`title eq "x"`, rt, filter.Options{})
	require.NoError(t, err)
	_, _, err = sqlstore.Where(e, rt, sqlstore.SQLite, hostColumns)
	var se *schema.Error
	require.ErrorAs(t, err, &se, "a filter the host's columns cannot answer is the client's error")
	assert.Equal(t, schema.InvalidFilter, se.Code)
	assert.Contains(t, se.Detail, "title")

	e, err = filter.Parse(`emails[type eq "work"]`, rt, filter.Options{})
	require.NoError(t, err)
	_, _, err = sqlstore.Where(e, rt, sqlstore.SQLite, hostColumns)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, schema.InvalidFilter, se.Code)
	assert.Contains(t, se.Detail, "one value")

	t.Run("OrderBy", func(t *testing.T) {
		orders := []struct {
			sortBy     string
			descending bool
			want       []string
		}{
			// Case-insensitive; rows without a value last ascending and
			// first descending (RFC 7644 §3.4.2.3).
			{"name.givenName", false, []string{"alice", "bjensen", "carol"}},
			{"name.givenName", true, []string{"carol", "bjensen", "alice"}},
			{"emails", true, []string{"carol", "bjensen", "alice"}},
			{"userName", true, []string{"carol", "bjensen", "alice"}},
			{"emails", false, []string{"alice", "bjensen", "carol"}},
			{"externalId", false, []string{"bjensen", "alice", "carol"}}, // caseExact: "E1" < "e1"
		}
		for _, tt := range orders {
			by, err := filter.ParseAttrPath(tt.sortBy, rt)
			require.NoError(t, err)
			order, err := sqlstore.OrderBy(by, tt.descending, hostColumns)
			require.NoError(t, err)
			rows, err := db.QueryContext(ctx, "SELECT username FROM users ORDER BY "+order+", id")
			require.NoError(t, err)
			var got []string
			for rows.Next() {
				var u string
				require.NoError(t, rows.Scan(&u))
				got = append(got, u)
			}
			require.NoError(t, rows.Close())
			assert.Equal(t, tt.want, got, "sortBy %s descending %v", tt.sortBy, tt.descending)
		}
		by, err := filter.ParseAttrPath("title", rt)
		require.NoError(t, err)
		_, err = sqlstore.OrderBy(by, false, hostColumns)
		require.ErrorAs(t, err, &se)
		assert.Equal(t, schema.InvalidValue, se.Code)
	})
}
