package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/examples/internal/boot"
	"github.com/scimkit/scim/examples/internal/replay"
	"github.com/scimkit/scim/examples/internal/scimtest"
)

const token = "test-token"

// newTestApp opens a fresh database and returns the helpdesk and its
// handler. The log goes to logs, when not nil.
func newTestApp(t *testing.T, logs io.Writer) (*app, http.Handler) {
	t.Helper()
	db, err := boot.SQLite(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"), tables)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	if logs == nil {
		logs = io.Discard
	}
	a, h, err := newApp(db, token, slog.New(slog.NewTextHandler(logs, nil)))
	require.NoError(t, err)
	return a, h
}

// auditTrail returns the audit log oldest first as "action resource-id detail".
func auditTrail(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT action, resource_id, detail, actor FROM audit_log ORDER BY id")
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var action, id, detail, actor string
		require.NoError(t, rows.Scan(&action, &id, &detail, &actor))
		assert.Equal(t, "idp", actor, "the principal of the bearer token")
		out = append(out, strings.TrimSpace(action+" "+id+" "+detail))
	}
	require.NoError(t, rows.Err())
	return out
}

func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(query, args...).Scan(&n))
	return n
}

func TestEntraIDReplay(t *testing.T) {
	var logs bytes.Buffer
	a, h := newTestApp(t, &logs)
	v := replay.Run(t, h, "testdata/entra.json", map[string]string{"token": token})
	alex, megan, team := v["alex"], v["megan"], v["team"]

	assert.Equal(t, []string{
		"user.created " + alex + " alex.wilber@contoso.example",
		"user.created " + megan + " megan.bowen@contoso.example",
		"team.created " + team + " Tier 2 Support",
		"team.member_added " + team + " " + alex,
		"team.member_added " + team + " " + megan,
		"team.member_removed " + team + " " + megan,
		"team.updated " + team + " Tier 2 Escalations",
		"user.deactivated " + alex + " alex.wilber@contoso.example; 1 open tickets unassigned",
		"user.deleted " + alex,
		"team.deleted " + team,
	}, auditTrail(t, a.db))

	assert.Equal(t, 0, count(t, a.db, "SELECT COUNT(*) FROM users WHERE scim_id = ?", alex), "the deleted user's row is gone")
	assert.Equal(t, 1, count(t, a.db, "SELECT COUNT(*) FROM users WHERE scim_id = ? AND active", megan))
	assert.Equal(t, 0, count(t, a.db, "SELECT COUNT(*) FROM team_members"), "no membership rows remain")
	assert.Equal(t, 0, count(t, a.db, "SELECT COUNT(*) FROM teams"))
	assert.Equal(t, 1, count(t, a.db, "SELECT COUNT(*) FROM tickets WHERE assignee_id IS NULL AND status = 'open'"),
		"the disabled agent's ticket went back to the queue")
	assert.Equal(t, 10, strings.Count(logs.String(), "msg=audit"), "every audit row is logged too")
}

func TestOktaReplay(t *testing.T) {
	a, h := newTestApp(t, nil)
	v := replay.Run(t, h, "testdata/okta.json", map[string]string{"token": token})
	jordan, sam, team := v["jordan"], v["sam"], v["team"]

	assert.Equal(t, []string{
		"user.created " + jordan + " jordan.kim@example.org",
		"user.created " + sam + " sam.ortiz@example.org",
		"team.created " + team + " Billing",
		"team.member_added " + team + " " + jordan,
		"team.member_added " + team + " " + sam,
		"team.updated " + team + " Billing and Refunds",
		"team.member_removed " + team + " " + sam,
		"user.deactivated " + jordan + " jordan.kim@example.org; 0 open tickets unassigned",
		"user.updated " + sam + " sam.ortiz@example.org",
		"team.deleted " + team,
	}, auditTrail(t, a.db))

	var active bool
	var deactivatedAt sql.NullTime
	require.NoError(t, a.db.QueryRow("SELECT active, deactivated_at FROM users WHERE scim_id = ?", jordan).Scan(&active, &deactivatedAt))
	assert.False(t, active)
	assert.True(t, deactivatedAt.Valid, "the hook stamps the deactivation")
	assert.Equal(t, 1, count(t, a.db, "SELECT COUNT(*) FROM users WHERE scim_id = ? AND last_name = 'Ortiz-Reyes'", sam))
	assert.Equal(t, 0, count(t, a.db, "SELECT COUNT(*) FROM team_members"))
}

// do sends a SCIM request with the token and decodes the JSON answer.
func do(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	return scimtest.Do(t, h, token, method, path, body)
}

func create(t *testing.T, h http.Handler, endpoint, body string) string {
	t.Helper()
	code, doc := do(t, h, "POST", "/scim/v2/"+endpoint, body)
	require.Equal(t, http.StatusCreated, code, doc)
	return doc["id"].(string)
}

func user(name string) string {
	return `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "` + name + `", "active": true}`
}

func TestGroupErrors(t *testing.T) {
	a, h := newTestApp(t, nil)
	u1 := create(t, h, "Users", user("u1"))
	team := create(t, h, "Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Ops"}`)
	patchOp := func(ops string) string {
		return `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ` + ops + `}`
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		scimType                 string
	}{
		{"a member that is not a user", "PATCH", "/scim/v2/Groups/" + team,
			patchOp(`[{"op": "add", "path": "members", "value": [{"value": "` + u1 + `"}, {"value": "404"}]}]`), http.StatusBadRequest, "invalidValue"},
		{"a duplicate team name", "POST", "/scim/v2/Groups",
			`{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "OPS"}`, http.StatusConflict, "uniqueness"},
		{"a duplicate userName", "POST", "/scim/v2/Users", user("U1"), http.StatusConflict, "uniqueness"},
		{"an unknown team", "PATCH", "/scim/v2/Groups/999",
			patchOp(`[{"op": "add", "path": "members", "value": [{"value": "` + u1 + `"}]}]`), http.StatusNotFound, ""},
		{"a filter on members", "GET", "/scim/v2/Groups?filter=members.value+eq+%22" + u1 + "%22", "", http.StatusBadRequest, "invalidFilter"},
		{"a sort on an unmapped attribute", "GET", "/scim/v2/Users?sortBy=nickName", "", http.StatusBadRequest, "invalidPath"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, doc := do(t, h, tt.method, tt.path, tt.body)
			assert.Equal(t, tt.status, code, doc)
			if tt.scimType != "" {
				assert.Equal(t, tt.scimType, doc["scimType"])
			}
		})
	}
	assert.Equal(t, 0, count(t, a.db, "SELECT COUNT(*) FROM team_members"), "a failed PATCH changes nothing")
}

func TestGroupVersionsAndReplace(t *testing.T) {
	a, h := newTestApp(t, nil)
	u1, u2, u3 := create(t, h, "Users", user("u1")), create(t, h, "Users", user("u2")), create(t, h, "Users", user("u3"))
	team := create(t, h, "Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Ops",
		"members": [{"value": "`+u1+`"}, {"value": "`+u2+`"}]}`)

	req := httptest.NewRequest("PUT", "/scim/v2/Groups/"+team, strings.NewReader(`{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName": "Ops", "members": [{"value": "`+u2+`"}, {"value": "`+u3+`"}]}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("If-Match", `W/"1"`)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, `W/"2"`, w.Header().Get("ETag"))

	w = httptest.NewRecorder()
	req.Body = io.NopCloser(strings.NewReader(`{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "X"}`))
	h.ServeHTTP(w, req)
	assert.Equal(t, http.StatusPreconditionFailed, w.Code, "the If-Match is stale now")

	trail := auditTrail(t, a.db)
	assert.Equal(t, []string{
		"team.updated " + team + " Ops",
		"team.member_added " + team + " " + u3,
		"team.member_removed " + team + " " + u1,
	}, trail[len(trail)-3:], "a PUT changes only the rows that differ")
	assert.Equal(t, 2, count(t, a.db, "SELECT COUNT(*) FROM team_members WHERE team_id = (SELECT id FROM teams WHERE scim_id = ?)", team))
}

func TestUserFiltersAndGroups(t *testing.T) {
	_, h := newTestApp(t, nil)
	ann := create(t, h, "Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ann",
		"title": "Lead", "active": true}`)
	create(t, h, "Users", user("bo"))
	team := create(t, h, "Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Leads",
		"members": [{"value": "`+ann+`"}]}`)

	tests := []struct {
		query string
		want  []string
	}{
		{"?filter=title+eq+%22lead%22", []string{"ann"}},
		{"?filter=meta.lastModified+gt+%222000-01-01T00:00:00Z%22&sortBy=userName&sortOrder=descending", []string{"bo", "ann"}},
		{"?filter=active+eq+true+and+userName+sw+%22b%22", []string{"bo"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			code, doc := do(t, h, "GET", "/scim/v2/Users"+tt.query, "")
			require.Equal(t, http.StatusOK, code, doc)
			var got []string
			for _, r := range doc["Resources"].([]any) {
				got = append(got, r.(map[string]any)["userName"].(string))
			}
			assert.Equal(t, tt.want, got)
		})
	}
	code, doc := do(t, h, "GET", "/scim/v2/Users?filter=userName+eq+%22ann%22&attributes=groups", "")
	require.Equal(t, http.StatusOK, code)
	res := doc["Resources"].([]any)[0].(map[string]any)
	assert.Equal(t, []any{map[string]any{"value": team, "display": "Leads", "type": "direct"}}, res["groups"])
}

func TestOwnAPI(t *testing.T) {
	_, h := newTestApp(t, nil)
	id := create(t, h, "Users", user("agent"))
	create(t, h, "Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Desk",
		"members": [{"value": "`+id+`"}]}`)
	call := func(method, path, body string) (int, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
		return w.Code, w.Body.String()
	}
	code, _ := call("POST", "/api/tickets", `{"subject": "VPN down", "assignee": "AGENT", "team": "desk"}`)
	assert.Equal(t, http.StatusCreated, code)
	code, _ = call("POST", "/api/tickets", `{"subject": "VPN down", "assignee": "nobody"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, code)

	code, body := call("GET", "/api/tickets", "")
	require.Equal(t, http.StatusOK, code)
	var tickets []ticket
	require.NoError(t, json.Unmarshal([]byte(body), &tickets))
	require.Len(t, tickets, 1)
	require.NotNil(t, tickets[0].Assignee)
	assert.Equal(t, "agent", *tickets[0].Assignee)
	assert.Equal(t, "Desk", *tickets[0].Team)

	code, body = call("GET", "/api/teams", "")
	require.Equal(t, http.StatusOK, code)
	var teams []teamView
	require.NoError(t, json.Unmarshal([]byte(body), &teams))
	assert.Equal(t, []teamView{{ID: teams[0].ID, Name: "Desk", Agents: []string{"agent"}}}, teams)

	code, body = call("GET", "/api/audit?limit=1", "")
	require.Equal(t, http.StatusOK, code)
	var entries []auditEntry
	require.NoError(t, json.Unmarshal([]byte(body), &entries))
	require.Len(t, entries, 1)
	assert.Equal(t, "team.member_added", entries[0].Action, "newest first")
	code, _ = call("GET", "/api/audit?limit=x", "")
	assert.Equal(t, http.StatusBadRequest, code)
}

func TestConcurrentMemberChanges(t *testing.T) {
	a, h := newTestApp(t, nil)
	team := create(t, h, "Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Night shift"}`)
	ids := make([]string, 8)
	for i := range ids {
		ids[i] = create(t, h, "Users", user("night"+string(rune('a'+i))))
	}
	codes := make(chan int, len(ids))
	for _, id := range ids {
		go func() {
			req := httptest.NewRequest("PATCH", "/scim/v2/Groups/"+team, strings.NewReader(`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
				"Operations": [{"op": "add", "path": "members", "value": [{"value": "`+id+`"}]}]}`))
			req.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			codes <- w.Code
		}()
	}
	for range ids {
		assert.Equal(t, http.StatusNoContent, <-codes)
	}
	assert.Equal(t, len(ids), count(t, a.db, "SELECT COUNT(*) FROM team_members WHERE team_id = (SELECT id FROM teams WHERE scim_id = ?)", team))
	assert.Equal(t, len(ids)+1, count(t, a.db, "SELECT version FROM teams WHERE scim_id = ?", team), "one version per change")
	assert.Equal(t, len(ids), count(t, a.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'team.member_added'"))
}
