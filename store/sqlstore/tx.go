package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	mathrand "math/rand/v2"
	"time"
)

// maxTxAttempts bounds how often a transaction that the database aborted
// to break a deadlock is run again.
const maxTxAttempts = 5

// InTx runs fn in a transaction of db, committing when it returns nil and
// rolling back otherwise. A transaction that PostgreSQL aborts as the
// victim of a deadlock (two writers that lock the same rows in different
// orders, such as a member add racing the delete of that member) or for a
// serialization failure is run again, a bounded number of times: the
// client never sees the database's choice of victim. fn must only assign
// what it computes, so that a second run replaces the first's.
func InTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := tryTx(ctx, db, fn)
		if attempt == maxTxAttempts || !aborted(err) {
			return err
		}
		backoff := time.Duration(attempt) * time.Millisecond
		select {
		case <-time.After(backoff + mathrand.N(backoff)):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func tryTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// aborted reports whether err is PostgreSQL's deadlock (40P01) or
// serialization failure (40001): the transaction did nothing and may run
// again.
func aborted(err error) bool {
	var coded interface{ SQLState() string }
	if !errors.As(err, &coded) {
		return false
	}
	return coded.SQLState() == "40P01" || coded.SQLState() == "40001"
}
