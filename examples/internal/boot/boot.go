// Package boot holds what the example programs share and that is not about
// SCIM: the bearer token they start with, their SQLite database, and
// serving until interrupted.
package boot

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver

	"github.com/scimkit/scim/store/sqlstore"
)

// Token returns token, or when it is empty a new random token that it
// prints to out, once, so that the operator can give it to the identity
// provider.
func Token(token string, out io.Writer) (string, error) {
	if token != "" {
		return token, nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token = hex.EncodeToString(b)
	fmt.Fprintf(out, "SCIM_TOKEN is not set; use this bearer token: %s\n", token)
	return token, nil
}

// Serve serves h on addr with the timeouts an internet-facing server
// needs, prints banner once it listens, and shuts down gracefully on
// SIGINT or SIGTERM.
func Serve(addr string, h http.Handler, banner string) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Println(banner)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// SQLite opens the SQLite database file (created when missing) as the
// store needs it (sqlstore.SQLiteDSN), with foreign keys enforced and
// times kept in SQLite's format, and runs the schema statements, which
// must be idempotent (CREATE TABLE IF NOT EXISTS).
func SQLite(ctx context.Context, file string, schema []string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(file)+"&_time_format=sqlite&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one writer at a time
	for _, stmt := range schema {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			db.Close()
			return nil, fmt.Errorf("creating tables: %w", err)
		}
	}
	return db, nil
}
