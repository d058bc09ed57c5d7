// Command quickstart serves SCIM 2.0 Users and Groups from memory, so that
// an identity provider or curl can provision into it:
//
//	SCIM_TOKEN=secret go run ./examples/quickstart
//
// It listens on 127.0.0.1:8080 (change it with -addr) and serves SCIM at
// /scim/v2/. Without SCIM_TOKEN it generates a token and prints it once.
// Users and groups live in memory unless -db names a database:
// -db sqlite:FILE or -db postgres://user@host/db.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/examples/internal/boot"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on, host:port")
	dbURL := flag.String("db", "", "database: sqlite:FILE or postgres://...; memory when empty")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *dbURL, os.Getenv("SCIM_TOKEN"), logger); err != nil {
		logger.Error("quickstart stopped", "error", err)
		os.Exit(1)
	}
}

func run(addr, dbURL, token string, logger *slog.Logger) error {
	token, err := boot.Token(token, os.Stdout)
	if err != nil {
		return err
	}
	users, groups, closeDB, err := openStores(context.Background(), dbURL)
	if err != nil {
		return err
	}
	defer closeDB()
	handler, err := newHandler(users, groups, token, logger)
	if err != nil {
		return err
	}
	return boot.Serve(addr, handler, fmt.Sprintf("SCIM 2.0 service provider at http://%s/scim/v2/", addr))
}

// openStores opens the stores -db names: memory, SQLite or PostgreSQL.
func openStores(ctx context.Context, dbURL string) (users, groups scim.ResourceStore, closeDB func(), err error) {
	var db *sql.DB
	var dialect sqlstore.Dialect
	switch {
	case dbURL == "":
		mem := memory.New()
		return mem.Users(), mem.Groups(), func() {}, nil
	case strings.HasPrefix(dbURL, "sqlite:"):
		db, err = sql.Open("sqlite", sqlstore.SQLiteDSN(strings.TrimPrefix(dbURL, "sqlite:")))
		dialect = sqlstore.SQLite
		if err == nil {
			db.SetMaxOpenConns(1)
		}
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		db, err = sql.Open("pgx", dbURL)
		dialect = sqlstore.Postgres
	default:
		return nil, nil, nil, fmt.Errorf("-db %q: use sqlite:FILE or a postgres:// URL", dbURL)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	store, err := sqlstore.Open(ctx, db, dialect, sqlstore.Options{})
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return store.Users(), store.Groups(), func() { db.Close() }, nil
}

// newHandler mounts a SCIM server over the stores at /scim/v2/ and logs
// every committed change.
func newHandler(users, groups scim.ResourceStore, token string, logger *slog.Logger) (http.Handler, error) {
	srv, err := scim.New(
		scim.WithUsers(users),
		scim.WithGroups(groups),
		scim.WithBearerToken("client", token),
		scim.WithLogger(logger),
		scim.WithChangeHook(func(ctx context.Context, c scim.Change) {
			logger.InfoContext(ctx, "scim change", "kind", c.Kind, "type", c.ResourceType, "id", c.ID,
				"membersAdded", len(c.MembersAdded), "membersRemoved", len(c.MembersRemoved))
		}),
	)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
	return mux, nil
}
