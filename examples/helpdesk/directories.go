package main

// Directories: besides the default directory at /scim/v2/ (SCIM_TOKEN),
// the helpdesk serves one directory per identity provider at
// /scim/NAME/v2/, each with its own tokens, its own users and teams (the
// directory column of the users and teams tables) and its own request
// log. They are managed from the command line:
//
//	helpdesk -db FILE directories add NAME           prints the new token last
//	helpdesk -db FILE directories rotate NAME        prints a second token last
//	helpdesk -db FILE directories revoke NAME TOKEN_ID
//	helpdesk -db FILE directories log NAME           recent requests, one a line

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/directory"
	"github.com/scimkit/scim/directory/sqldir"
	"github.com/scimkit/scim/examples/internal/boot"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/store/sqlmap"
	"github.com/scimkit/scim/store/sqlstore"
)

// directoryTablePrefix names the tables of the directories, their tokens
// and their request logs.
const directoryTablePrefix = "helpdesk_"

// upgradeForDirectories gives the users and teams tables of a database
// made before directories their directory column, and makes usernames
// and team names unique per directory instead of across the database.
func upgradeForDirectories(ctx context.Context, db *sql.DB) error {
	if err := addFoldColumns(ctx, db); err != nil {
		return err
	}
	for _, table := range []string{"users", "teams"} {
		rows, err := db.QueryContext(ctx, "SELECT directory FROM "+table+" WHERE 1 = 0")
		if err == nil {
			rows.Close()
			continue
		}
		if _, err := db.ExecContext(ctx, "ALTER TABLE "+table+" ADD COLUMN directory TEXT NOT NULL DEFAULT ''"); err != nil {
			return fmt.Errorf("adding the directory column to %s: %w", table, err)
		}
	}
	for _, stmt := range []string{
		`DROP INDEX IF EXISTS users_username`,
		`DROP INDEX IF EXISTS teams_name`,
		`CREATE UNIQUE INDEX IF NOT EXISTS users_directory_username ON users (directory, lower(username))`,
		`CREATE UNIQUE INDEX IF NOT EXISTS teams_directory_name ON teams (directory, lower(name))`,
		`CREATE UNIQUE INDEX IF NOT EXISTS users_directory_username_fold ON users (directory, username_fold)`,
		`CREATE UNIQUE INDEX IF NOT EXISTS teams_directory_name_fold ON teams (directory, name_fold)`,
		`CREATE INDEX IF NOT EXISTS users_directory_external_ref ON users (directory, external_ref)`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// backend gives each directory the helpdesk's stores scoped to it.
type backend struct{ stores *sqlmap.Stores }

// Stores implements directory.Backend.
func (b backend) Stores(_ context.Context, dirID string) (scim.ResourceStore, scim.ResourceStore, error) {
	st, err := b.stores.InDirectory(dirID)
	if err != nil {
		return nil, nil, err
	}
	return st.Users(), st.Groups(), nil
}

// DeleteData implements directory.Backend.
func (b backend) DeleteData(ctx context.Context, dirID string) error {
	st, err := b.stores.InDirectory(dirID)
	if err != nil {
		return err
	}
	return st.DeleteDirectory(ctx)
}

// newDirectories returns the handler of every directory but the default
// one, to mount at /scim/. Close it when done.
func newDirectories(ctx context.Context, db *sql.DB, stores *sqlmap.Stores, hooks *provisioning, logger *slog.Logger) (*directory.Handler, error) {
	if err := upgradeForDirectories(ctx, db); err != nil {
		return nil, err
	}
	reg, err := sqldir.NewRegistry(ctx, db, sqlstore.SQLite, sqldir.Options{TablePrefix: directoryTablePrefix})
	if err != nil {
		return nil, err
	}
	log, err := sqldir.NewLog(ctx, db, sqlstore.SQLite, sqldir.LogOptions{TablePrefix: directoryTablePrefix})
	if err != nil {
		return nil, err
	}
	opts := []directory.Option{
		directory.WithLog(log),
		directory.WithLogger(logger),
		directory.WithResourceTypes(stores.Users().ResourceType(), stores.Groups().ResourceType()),
		directory.WithServerOptions(scim.WithLogger(logger)),
	}
	if hooks != nil {
		opts = append(opts, directory.WithServerOptions(scim.WithChangeHook(hooks.onChange)))
	}
	return directory.New(reg, backend{stores}, opts...)
}

// directoriesUsage is the help of the directories command.
const directoriesUsage = `usage:
  helpdesk -db FILE directories add NAME
  helpdesk -db FILE directories rotate NAME
  helpdesk -db FILE directories revoke NAME TOKEN_ID
  helpdesk -db FILE directories log NAME`

// errUsage is a command line that is not a directories command.
var errUsage = errors.New(directoriesUsage)

// runCommand runs the command of args (the arguments after the flags)
// when there is one, and reports whether there was.
func runCommand(ctx context.Context, dbFile string, args []string, out io.Writer) (bool, error) {
	if len(args) == 0 || args[0] != "directories" {
		return false, nil
	}
	db, err := boot.SQLite(ctx, dbFile, tables)
	if err != nil {
		return true, err
	}
	defer db.Close()
	return true, directoriesCommand(ctx, db, args[1:], out)
}

// directoriesCommand runs "directories ARGS..." against the database.
func directoriesCommand(ctx context.Context, db *sql.DB, args []string, out io.Writer) error {
	want := map[string]int{"add": 2, "rotate": 2, "revoke": 3, "log": 2}
	if len(args) == 0 || want[args[0]] == 0 || len(args) != want[args[0]] {
		return errUsage
	}
	stores, err := sqlmap.New(db, mapping)
	if err != nil {
		return err
	}
	h, err := newDirectories(ctx, db, stores, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer h.Close()
	name := args[1]
	if args[0] == "add" {
		d, err := h.CreateDirectory(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "directory %s created: its SCIM base URL is /scim/%s/v2/\n", d.Name, d.Name)
		return issueToken(ctx, h, d, "initial", out)
	}
	d, err := h.DirectoryByName(ctx, name)
	if err != nil {
		return err
	}
	switch args[0] {
	case "rotate":
		return issueToken(ctx, h, d, "rotated", out)
	case "revoke":
		if err := h.RevokeToken(ctx, d.ID, args[2]); err != nil {
			return err
		}
		fmt.Fprintf(out, "token %s of directory %s revoked\n", args[2], d.Name)
		return nil
	}
	entries, err := h.QueryLog(ctx, d.ID, directory.LogQuery{Limit: 200})
	if err != nil {
		return err
	}
	for i := len(entries) - 1; i >= 0; i-- { // oldest first, as a log reads
		e := entries[i]
		line := fmt.Sprintf("%s %s %s %d", e.Time.UTC().Format("2006-01-02T15:04:05.000Z"), e.Method, e.Path, e.Status)
		if e.ScimType != "" {
			line += " " + e.ScimType
		}
		if e.ResourceID != "" {
			line += " id=" + e.ResourceID
		}
		fmt.Fprintln(out, strings.ReplaceAll(line, "\n", " "))
	}
	return nil
}

// issueToken creates a token for d and prints its id, then the token
// alone on the last line: it is shown only this once.
func issueToken(ctx context.Context, h *directory.Handler, d directory.Directory, label string, out io.Writer) error {
	token, rec, err := h.CreateToken(ctx, d.ID, label)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "token id %s (revoke with: directories revoke %s %s); the token, shown once:\n", rec.ID, d.Name, rec.ID)
	fmt.Fprintln(out, token)
	return nil
}

// mountDirectories serves every directory but the default one at
// /scim/NAME/v2/ on mux; the default keeps /scim/v2/, the longer pattern.
func mountDirectories(mux *http.ServeMux, h *directory.Handler) {
	mux.Handle("/scim/", http.StripPrefix("/scim", h))
}

// foldColumns are the columns that hold the case-folded values SCIM
// filters, sorts and keeps unique by, beside the columns they fold.
var foldColumns = []struct{ table, column, fold string }{
	{"users", "username", "username_fold"},
	{"users", "display_name", "display_name_fold"},
	{"users", "email", "email_fold"},
	{"teams", "name", "name_fold"},
}

// addFoldColumns gives a database made before them the fold columns, and
// fills them for the rows it holds.
func addFoldColumns(ctx context.Context, db *sql.DB) error {
	for _, c := range foldColumns {
		rows, err := db.QueryContext(ctx, "SELECT "+c.fold+" FROM "+c.table+" WHERE 1 = 0")
		if err == nil {
			rows.Close()
			continue
		}
		if _, err := db.ExecContext(ctx, "ALTER TABLE "+c.table+" ADD COLUMN "+c.fold+" TEXT"); err != nil {
			return fmt.Errorf("adding %s to %s: %w", c.fold, c.table, err)
		}
		rows, err = db.QueryContext(ctx, "SELECT id, "+c.column+" FROM "+c.table+" WHERE "+c.column+" IS NOT NULL")
		if err != nil {
			return err
		}
		folded := map[int64]string{}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			folded[id] = filter.FoldString(v)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for id, v := range folded {
			if _, err := db.ExecContext(ctx, "UPDATE "+c.table+" SET "+c.fold+" = ? WHERE id = ?", v, id); err != nil {
				return err
			}
		}
	}
	return nil
}
