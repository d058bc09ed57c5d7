package sqlstore

import (
	"errors"
	"strings"
)

// UniqueViolation is the error of a statement that broke a unique
// constraint or index, recognised from the driver's error code: SQLSTATE
// 23505 from PostgreSQL (pgx and lib/pq), and the extended result codes
// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY from SQLite
// (modernc.org/sqlite and mattn/go-sqlite3). A store over a host's own
// table maps it to scim.ErrConflict.
type UniqueViolation struct {
	// Constraint names the constraint or index when the driver says
	// which (PostgreSQL does), else "".
	Constraint string
	// Err is the driver's error.
	Err error
}

// Error implements error.
func (e *UniqueViolation) Error() string { return "sqlstore: unique violation: " + e.Err.Error() }

// Unwrap returns the driver's error.
func (e *UniqueViolation) Unwrap() error { return e.Err }

// The SQLite extended result codes of unique violations.
const (
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// AsUniqueViolation returns err as a *UniqueViolation when it is, or wraps,
// a driver error that reports a unique violation, and nil otherwise.
func AsUniqueViolation(err error) *UniqueViolation {
	if err == nil {
		return nil
	}
	var uv *UniqueViolation
	if errors.As(err, &uv) {
		return uv
	}
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) && pg.SQLState() == "23505" {
		uv = &UniqueViolation{Err: err}
		var named interface{ ConstraintName() string } // lib/pq has no such method
		if errors.As(err, &named) {
			uv.Constraint = named.ConstraintName()
		} else {
			uv.Constraint = constraintField(err.Error())
		}
		return uv
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		if c := lite.Code(); c == sqliteConstraintUnique || c == sqliteConstraintPrimaryKey {
			return &UniqueViolation{Err: err}
		}
	}
	var mattn interface{ ExtendedCode() int }
	if errors.As(err, &mattn) {
		if c := mattn.ExtendedCode(); c == sqliteConstraintUnique || c == sqliteConstraintPrimaryKey {
			return &UniqueViolation{Err: err}
		}
	}
	return nil
}

// constraintField reads the constraint's name from PostgreSQL's message
// (pgx keeps it in a field, not a method, and the package imports no
// driver).
func constraintField(msg string) string {
	_, after, ok := strings.Cut(msg, "constraint \"")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(after, "\"")
	return name
}
