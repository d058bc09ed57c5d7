// Command lms is a small learning management system (learners, courses,
// enrolments in its own SQLite tables) that an identity provider
// provisions learners into over SCIM 2.0:
//
//	SCIM_TOKEN=secret go run ./examples/lms
//
// It listens on 127.0.0.1:8081 (-addr) and keeps its data in lms.db in the
// working directory (-db FILE). Its own JSON API is under /api/ and SCIM
// Users are served at /scim/v2/ with the bearer token from SCIM_TOKEN; without
// it a token is generated and printed once.
//
// The SCIM wiring (scim.go) declares which column of the LMS's own users
// table holds which User attribute; store/sqlmap generates the store, and
// /Schemas advertises exactly those attributes.
// What a SCIM DELETE does is the operator's choice: -on-delete deactivate
// (the default) keeps the learner and their enrolment history, inactive and
// invisible to SCIM; -on-delete delete removes the learner and their
// enrolments.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	_ "modernc.org/sqlite"

	"github.com/scimkit/scim/examples/internal/boot"
	"github.com/scimkit/scim/examples/internal/jsonapi"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on, host:port")
	dbFile := flag.String("db", "lms.db", "SQLite database file, created when missing")
	onDelete := flag.String("on-delete", "deactivate", "what a SCIM DELETE does: deactivate or delete")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *dbFile, *onDelete, os.Getenv("SCIM_TOKEN"), logger); err != nil {
		logger.Error("lms stopped", "error", err)
		os.Exit(1)
	}
}

func run(addr, dbFile, onDelete, token string, logger *slog.Logger) error {
	token, err := boot.Token(token, os.Stdout)
	if err != nil {
		return err
	}
	db, err := boot.SQLite(context.Background(), dbFile, tables)
	if err != nil {
		return err
	}
	defer db.Close()
	handler, err := newApp(db, onDelete, token, logger)
	if err != nil {
		return err
	}
	return boot.Serve(addr, handler, fmt.Sprintf("LMS at http://%s/api/courses, SCIM at http://%s/scim/v2/ (DELETE will %s)", addr, addr, onDelete))
}

// tables is the LMS's own schema. users.scim_id is the SCIM id, which the
// store assigns; deprovisioned_at is set when a SCIM DELETE deactivated
// (rather than deleted) the learner; usernames are unique among the
// learners SCIM still sees. A learner without active is active.
var tables = []string{
	`CREATE TABLE IF NOT EXISTS users (
		id INTEGER PRIMARY KEY,
		scim_id TEXT NOT NULL UNIQUE,
		version INTEGER NOT NULL DEFAULT 1,
		username TEXT NOT NULL,
		first_name TEXT,
		last_name TEXT,
		display_name TEXT,
		email TEXT,
		phone TEXT,
		active BOOLEAN,
		external_ref TEXT,
		preferred_language TEXT,
		official_code TEXT,
		created_at DATETIME NOT NULL,
		updated_at DATETIME NOT NULL,
		deprovisioned_at TEXT,
		username_fold TEXT,
		display_name_fold TEXT,
		email_fold TEXT)`,
	// The *_fold columns hold the case-folded values that SCIM filters,
	// sorts and keeps unique by (sqlmap's Column.Fold).
	`CREATE UNIQUE INDEX IF NOT EXISTS users_username_fold ON users (username_fold) WHERE deprovisioned_at IS NULL`,
	`CREATE INDEX IF NOT EXISTS users_external_ref ON users (external_ref)`,
	`CREATE TABLE IF NOT EXISTS courses (
		id INTEGER PRIMARY KEY,
		code TEXT NOT NULL UNIQUE,
		title TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS enrolments (
		user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
		course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
		enrolled_at TEXT NOT NULL,
		PRIMARY KEY (user_id, course_id))`,
	`INSERT OR IGNORE INTO courses (code, title) VALUES
		('GO101', 'Programming in Go'), ('SQL201', 'Relational databases'), ('SEC110', 'Security basics')`,
}

// newApp returns the LMS's handler: its JSON API and SCIM at /scim/v2/.
func newApp(db *sql.DB, onDelete, token string, logger *slog.Logger) (http.Handler, error) {
	if onDelete != "deactivate" && onDelete != "delete" {
		return nil, fmt.Errorf("-on-delete %q: use deactivate or delete", onDelete)
	}
	srv, _, err := newSCIM(db, onDelete == "deactivate", token, logger)
	if err != nil {
		return nil, err
	}
	a := &api{db: db}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/courses", a.listCourses)
	mux.HandleFunc("POST /api/courses", a.createCourse)
	mux.HandleFunc("GET /api/courses/{code}/learners", a.listLearners)
	mux.HandleFunc("GET /api/users", a.listUsers)
	mux.HandleFunc("POST /api/enrolments", a.enrol)
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
	return mux, nil
}

// api is the LMS's own JSON API. It stands for the application the SCIM
// endpoint is added to; a real one would have its own authentication.
type api struct {
	db *sql.DB
}

type course struct {
	Code     string `json:"code"`
	Title    string `json:"title"`
	Enrolled int    `json:"enrolled"`
	Active   int    `json:"activeLearners"`
}

func (a *api) listCourses(w http.ResponseWriter, r *http.Request) {
	rows, err := a.db.QueryContext(r.Context(), `SELECT c.code, c.title, COUNT(e.user_id), COUNT(CASE WHEN coalesce(u.active, 1) THEN 1 END)
		FROM courses c LEFT JOIN enrolments e ON e.course_id = c.id LEFT JOIN users u ON u.id = e.user_id
		GROUP BY c.id ORDER BY c.code`)
	list, err := jsonapi.Collect(rows, err, func(s jsonapi.Scanner) (course, error) {
		var c course
		return c, s.Scan(&c.Code, &c.Title, &c.Enrolled, &c.Active)
	})
	jsonapi.Reply(w, list, err)
}

func (a *api) createCourse(w http.ResponseWriter, r *http.Request) {
	var c course
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil || c.Code == "" || c.Title == "" {
		jsonapi.Write(w, http.StatusBadRequest, map[string]string{"error": "send {\"code\": ..., \"title\": ...}"})
		return
	}
	if _, err := a.db.ExecContext(r.Context(), "INSERT INTO courses (code, title) VALUES (?, ?)", c.Code, c.Title); err != nil {
		jsonapi.Write(w, http.StatusConflict, map[string]string{"error": "course " + c.Code + " exists"})
		return
	}
	jsonapi.Write(w, http.StatusCreated, c)
}

// learner is a row of users as the LMS shows it.
type learner struct {
	ID          int64   `json:"id"`
	SCIMID      string  `json:"scimId"`
	Username    string  `json:"username"`
	FirstName   string  `json:"firstName"`
	LastName    string  `json:"lastName"`
	Email       string  `json:"email"`
	Status      string  `json:"status"`
	ExternalRef string  `json:"externalRef,omitempty"`
	Removed     *string `json:"deprovisionedAt,omitempty"`
}

const learnerFields = `u.id, u.scim_id, u.username, coalesce(u.first_name, ''), coalesce(u.last_name, ''), coalesce(u.email, ''),
	CASE WHEN coalesce(u.active, 1) THEN 'active' ELSE 'inactive' END, coalesce(u.external_ref, ''), u.deprovisioned_at`

func scanLearner(s jsonapi.Scanner) (learner, error) {
	var l learner
	return l, s.Scan(&l.ID, &l.SCIMID, &l.Username, &l.FirstName, &l.LastName, &l.Email, &l.Status, &l.ExternalRef, &l.Removed)
}

// listUsers lists every learner, including those SCIM no longer sees.
func (a *api) listUsers(w http.ResponseWriter, r *http.Request) {
	rows, err := a.db.QueryContext(r.Context(), "SELECT "+learnerFields+" FROM users u ORDER BY u.id")
	list, err := jsonapi.Collect(rows, err, scanLearner)
	jsonapi.Reply(w, list, err)
}

// listLearners lists the active learners of a course.
func (a *api) listLearners(w http.ResponseWriter, r *http.Request) {
	rows, err := a.db.QueryContext(r.Context(), "SELECT "+learnerFields+` FROM users u
		JOIN enrolments e ON e.user_id = u.id JOIN courses c ON c.id = e.course_id
		WHERE c.code = ? AND coalesce(u.active, 1) ORDER BY u.username`, r.PathValue("code"))
	list, err := jsonapi.Collect(rows, err, scanLearner)
	jsonapi.Reply(w, list, err)
}

// enrol enrols an active learner in a course: {"userId": 1, "course":
// "GO101"}, where userId is the LMS's own id or the learner's SCIM id.
func (a *api) enrol(w http.ResponseWriter, r *http.Request) {
	var req struct {
		UserID any    `json:"userId"`
		Course string `json:"course"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.UserID == nil {
		jsonapi.Write(w, http.StatusBadRequest, map[string]string{"error": "send {\"userId\": ..., \"course\": ...}"})
		return
	}
	userID := fmt.Sprint(req.UserID)
	var id int64
	var active bool
	err := a.db.QueryRowContext(r.Context(), "SELECT id, coalesce(active, 1) FROM users WHERE (CAST(id AS TEXT) = ? OR scim_id = ?) AND deprovisioned_at IS NULL",
		userID, userID).Scan(&id, &active)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		jsonapi.Write(w, http.StatusNotFound, map[string]string{"error": "no such learner"})
		return
	case err != nil:
		jsonapi.Reply(w, nil, err)
		return
	case !active:
		jsonapi.Write(w, http.StatusConflict, map[string]string{"error": "the learner is inactive"})
		return
	}
	res, err := a.db.ExecContext(r.Context(), `INSERT OR IGNORE INTO enrolments (user_id, course_id, enrolled_at)
		SELECT ?, id, ? FROM courses WHERE code = ?`, id, time.Now().UTC().Format(time.RFC3339), req.Course)
	if err != nil {
		jsonapi.Reply(w, nil, err)
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		jsonapi.Write(w, http.StatusNotFound, map[string]string{"error": "no such course, or already enrolled"})
		return
	}
	jsonapi.Write(w, http.StatusCreated, map[string]string{"userId": userID, "course": req.Course})
}
