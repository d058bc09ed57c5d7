// Command helpdesk is a small helpdesk (agents, teams, tickets and an
// audit log in its own SQLite tables) that an identity provider provisions
// agents and teams into over SCIM 2.0:
//
//	SCIM_TOKEN=secret go run ./examples/helpdesk
//
// It listens on 127.0.0.1:8082 (-addr) and keeps its data in helpdesk.db in
// the working directory (-db FILE). Its own JSON API is under /api/
// (tickets, teams, audit log); SCIM Users and Groups are served at
// /scim/v2/ with the bearer token from SCIM_TOKEN; without it a token is
// generated and printed once.
//
// SCIM Users are the helpdesk's users, SCIM Groups its teams, each member
// one team_members row, declared in scim.go and served by a store that
// store/sqlmap generates. A change hook (hooks.go) writes an audit
// row for every create, update, deactivation, delete and membership change
// as it arrives, and unassigns the open tickets of a deactivated agent.
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
	"strconv"
	"time"

	_ "modernc.org/sqlite"

	"github.com/scimkit/scim/directory"
	"github.com/scimkit/scim/examples/internal/boot"
	"github.com/scimkit/scim/examples/internal/jsonapi"
	"github.com/scimkit/scim/store/sqlmap"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "address to listen on, host:port")
	dbFile := flag.String("db", "helpdesk.db", "SQLite database file, created when missing")
	adminAddr := flag.String("admin-addr", "", "address of the provisioning page and /metrics, host:port (off when empty)")
	adminPassword := flag.String("admin-password", "", "password of the provisioning page (user admin); required off loopback")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if ran, err := runCommand(context.Background(), *dbFile, flag.Args(), os.Stdout); ran {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	if err := run(*addr, *dbFile, os.Getenv("SCIM_TOKEN"), adminConfig{addr: *adminAddr, password: *adminPassword}, logger); err != nil {
		logger.Error("helpdesk stopped", "error", err)
		os.Exit(1)
	}
}

func run(addr, dbFile, token string, adm adminConfig, logger *slog.Logger) error {
	metrics, err := adm.check()
	if err != nil {
		return err
	}
	token, err = boot.Token(token, os.Stdout)
	if err != nil {
		return err
	}
	db, err := boot.SQLite(context.Background(), dbFile, tables)
	if err != nil {
		return err
	}
	defer db.Close()
	a, handler, err := newApp(db, token, logger)
	if err != nil {
		return err
	}
	_, stopAdmin, err := adm.serve(a.dirs, "http://"+addr+"/scim", metrics, logger)
	if err != nil {
		return err
	}
	defer stopAdmin()
	return boot.Serve(addr, handler, fmt.Sprintf("helpdesk at http://%s/api/tickets, SCIM at http://%s/scim/v2/", addr, addr))
}

// tables is the helpdesk's own schema. scim_id holds the SCIM id, which the
// store assigns; an agent without active is active.
var tables = []string{
	`CREATE TABLE IF NOT EXISTS users (
		id INTEGER PRIMARY KEY,
		directory TEXT NOT NULL DEFAULT '',
		scim_id TEXT NOT NULL UNIQUE,
		username TEXT NOT NULL,
		first_name TEXT,
		last_name TEXT,
		display_name TEXT,
		email TEXT,
		job_title TEXT,
		department TEXT,
		active BOOLEAN,
		external_ref TEXT,
		version INTEGER NOT NULL DEFAULT 1,
		created_at DATETIME NOT NULL,
		updated_at DATETIME NOT NULL,
		deactivated_at DATETIME,
		username_fold TEXT,
		display_name_fold TEXT,
		email_fold TEXT)`,
	// The unique indexes of usernames and team names lead with the
	// directory (upgradeForDirectories in directories.go).
	`CREATE TABLE IF NOT EXISTS teams (
		id INTEGER PRIMARY KEY,
		directory TEXT NOT NULL DEFAULT '',
		scim_id TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL,
		external_ref TEXT,
		version INTEGER NOT NULL DEFAULT 1,
		created_at DATETIME NOT NULL,
		updated_at DATETIME NOT NULL,
		name_fold TEXT)`,
	`CREATE TABLE IF NOT EXISTS team_members (
		team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
		user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
		added_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (team_id, user_id))`,
	`CREATE INDEX IF NOT EXISTS team_members_user ON team_members (user_id)`,
	`CREATE TABLE IF NOT EXISTS tickets (
		id INTEGER PRIMARY KEY,
		subject TEXT NOT NULL,
		status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
		assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
		team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL,
		created_at DATETIME NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS audit_log (
		id INTEGER PRIMARY KEY,
		at DATETIME NOT NULL,
		actor TEXT NOT NULL,
		action TEXT NOT NULL,
		resource_type TEXT NOT NULL,
		resource_id TEXT NOT NULL,
		detail TEXT NOT NULL)`,
}

// app is the helpdesk: its SCIM stores and its own API.
type app struct {
	db     *sql.DB
	stores *sqlmap.Stores
	dirs   *directory.Handler // every directory but the default one
}

// newApp returns the helpdesk and its handler: its JSON API and SCIM at
// /scim/v2/.
func newApp(db *sql.DB, token string, logger *slog.Logger) (*app, http.Handler, error) {
	hooks := &provisioning{db: db, logger: logger}
	srv, stores, err := newSCIM(db, token, hooks, logger)
	if err != nil {
		return nil, nil, err
	}
	dirs, err := newDirectories(context.Background(), db, stores, hooks, logger)
	if err != nil {
		return nil, nil, err
	}
	a := &app{db: db, stores: stores, dirs: dirs}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/tickets", a.listTickets)
	mux.HandleFunc("POST /api/tickets", a.openTicket)
	mux.HandleFunc("GET /api/teams", a.listTeams)
	mux.HandleFunc("GET /api/audit", a.listAudit)
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
	mountDirectories(mux, dirs)
	return a, mux, nil
}

// ticket is a ticket as the API shows it.
type ticket struct {
	ID       int64   `json:"id"`
	Subject  string  `json:"subject"`
	Status   string  `json:"status"`
	Assignee *string `json:"assignee"`
	Team     *string `json:"team"`
}

func (a *app) listTickets(w http.ResponseWriter, r *http.Request) {
	rows, err := a.db.QueryContext(r.Context(), `SELECT t.id, t.subject, t.status, u.username, tm.name FROM tickets t
		LEFT JOIN users u ON u.id = t.assignee_id LEFT JOIN teams tm ON tm.id = t.team_id ORDER BY t.id`)
	list, err := jsonapi.Collect(rows, err, func(s jsonapi.Scanner) (ticket, error) {
		var t ticket
		return t, s.Scan(&t.ID, &t.Subject, &t.Status, &t.Assignee, &t.Team)
	})
	jsonapi.Reply(w, list, err)
}

// openTicket opens a ticket: {"subject": ..., "assignee": username, "team": name};
// assignee and team are optional, and an assignee must be an active agent.
func (a *app) openTicket(w http.ResponseWriter, r *http.Request) {
	var req struct{ Subject, Assignee, Team string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Subject == "" {
		jsonapi.Write(w, http.StatusBadRequest, map[string]string{"error": `send {"subject": ..., "assignee": ..., "team": ...}`})
		return
	}
	var assignee, team sql.NullInt64
	if req.Assignee != "" {
		err := a.db.QueryRowContext(r.Context(), "SELECT id FROM users WHERE lower(username) = lower(?) AND coalesce(active, 1)", req.Assignee).Scan(&assignee)
		if errors.Is(err, sql.ErrNoRows) {
			jsonapi.Write(w, http.StatusUnprocessableEntity, map[string]string{"error": "no active agent " + req.Assignee})
			return
		}
		if err != nil {
			jsonapi.Reply(w, nil, err)
			return
		}
	}
	if req.Team != "" {
		err := a.db.QueryRowContext(r.Context(), "SELECT id FROM teams WHERE lower(name) = lower(?)", req.Team).Scan(&team)
		if errors.Is(err, sql.ErrNoRows) {
			jsonapi.Write(w, http.StatusUnprocessableEntity, map[string]string{"error": "no team " + req.Team})
			return
		}
		if err != nil {
			jsonapi.Reply(w, nil, err)
			return
		}
	}
	var id int64
	err := a.db.QueryRowContext(r.Context(), "INSERT INTO tickets (subject, assignee_id, team_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
		req.Subject, assignee, team, now()).Scan(&id)
	if err != nil {
		jsonapi.Reply(w, nil, err)
		return
	}
	jsonapi.Write(w, http.StatusCreated, map[string]any{"id": id, "subject": req.Subject})
}

// teamView is a team with its agents' usernames.
type teamView struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Agents []string `json:"agents"`
}

func (a *app) listTeams(w http.ResponseWriter, r *http.Request) {
	rows, err := a.db.QueryContext(r.Context(), `SELECT t.id, t.name, COALESCE(json_group_array(u.username) FILTER (WHERE u.id IS NOT NULL), '[]')
		FROM teams t LEFT JOIN team_members m ON m.team_id = t.id LEFT JOIN users u ON u.id = m.user_id
		GROUP BY t.id ORDER BY t.name`)
	list, err := jsonapi.Collect(rows, err, func(s jsonapi.Scanner) (teamView, error) {
		var t teamView
		var agents string
		if err := s.Scan(&t.ID, &t.Name, &agents); err != nil {
			return t, err
		}
		return t, json.Unmarshal([]byte(agents), &t.Agents)
	})
	jsonapi.Reply(w, list, err)
}

// auditEntry is a row of the audit log.
type auditEntry struct {
	At           time.Time `json:"at"`
	Actor        string    `json:"actor"`
	Action       string    `json:"action"`
	ResourceType string    `json:"resourceType"`
	ResourceID   string    `json:"resourceId"`
	Detail       string    `json:"detail,omitempty"`
}

// listAudit lists the audit log, newest first; ?limit=N (default 100).
func (a *app) listAudit(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			jsonapi.Write(w, http.StatusBadRequest, map[string]string{"error": "limit must be a positive integer"})
			return
		}
		limit = n
	}
	rows, err := a.db.QueryContext(r.Context(), `SELECT at, actor, action, resource_type, resource_id, detail
		FROM audit_log ORDER BY id DESC LIMIT ?`, limit)
	list, err := jsonapi.Collect(rows, err, func(s jsonapi.Scanner) (auditEntry, error) {
		var e auditEntry
		return e, s.Scan(&e.At, &e.Actor, &e.Action, &e.ResourceType, &e.ResourceID, &e.Detail)
	})
	jsonapi.Reply(w, list, err)
}
