// Package jsonapi holds the few helpers the example applications' own JSON
// APIs (not their SCIM endpoints) share: reading rows and writing replies.
package jsonapi

import (
	"database/sql"
	"encoding/json"
	"net/http"
)

// Scanner is a row that can be scanned: *sql.Row or *sql.Rows.
type Scanner interface{ Scan(...any) error }

// Collect scans every row of rows with scan; err is the error of the query
// that returned rows, passed on so that callers can write one line.
func Collect[T any](rows *sql.Rows, err error, scan func(Scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

// Reply writes v as JSON with 200, or a generic 500 when err is not nil.
func Reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		Write(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	Write(w, http.StatusOK, v)
}

// Write writes v as JSON with the given status.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
