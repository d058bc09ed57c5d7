package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/scimkit/scim"
)

// The audit actions the change hook records.
const (
	userCreated       = "user.created"
	userUpdated       = "user.updated"
	userDeactivated   = "user.deactivated"
	userReactivated   = "user.reactivated"
	userDeleted       = "user.deleted"
	teamCreated       = "team.created"
	teamUpdated       = "team.updated"
	teamDeleted       = "team.deleted"
	teamMemberAdded   = "team.member_added"
	teamMemberRemoved = "team.member_removed"
)

// provisioning acts on every committed SCIM change the moment it arrives:
// it writes an audit row (and a log line) for it and applies what it means
// for the helpdesk, such as unassigning the open tickets of an agent who
// was deactivated.
type provisioning struct {
	db     *sql.DB
	logger *slog.Logger
}

// onChange is the scim.ChangeHook.
func (p *provisioning) onChange(ctx context.Context, c scim.Change) {
	actor := "unknown"
	if principal, ok := scim.PrincipalFromContext(ctx); ok {
		actor = fmt.Sprint(principal)
	}
	switch {
	case c.ResourceType == "User" && c.Kind == scim.Created:
		p.audit(ctx, actor, userCreated, c, scim.UserFromResource(c.Resource).UserName)
	case c.ResourceType == "User" && c.Kind == scim.Deleted:
		p.audit(ctx, actor, userDeleted, c, "")
	case c.ResourceType == "User":
		p.userChanged(ctx, actor, c)
	case c.ResourceType == "Group" && c.Kind == scim.Created:
		p.audit(ctx, actor, teamCreated, c, scim.GroupFromResource(c.Resource).DisplayName)
	case c.ResourceType == "Group" && c.Kind == scim.Deleted:
		p.audit(ctx, actor, teamDeleted, c, "")
	case c.ResourceType == "Group" && (c.Kind == scim.Replaced || len(c.MembersAdded)+len(c.MembersRemoved) == 0):
		// A PUT, or a PATCH that changed no membership (such as a rename).
		p.audit(ctx, actor, teamUpdated, c, scim.GroupFromResource(c.Resource).DisplayName)
	}
	if c.ResourceType == "Group" {
		for _, id := range c.MembersAdded {
			p.audit(ctx, actor, teamMemberAdded, c, id)
		}
		for _, id := range c.MembersRemoved {
			p.audit(ctx, actor, teamMemberRemoved, c, id)
		}
	}
}

// userChanged records an update, telling deactivation and reactivation
// apart by the helpdesk's own deactivated_at column. Deactivating an agent
// unassigns their open tickets.
func (p *provisioning) userChanged(ctx context.Context, actor string, c scim.Change) {
	u := scim.UserFromResource(c.Resource)
	action, detail := userUpdated, u.UserName
	if u.IsActive() {
		if p.exec(ctx, "UPDATE users SET deactivated_at = NULL WHERE scim_id = ? AND deactivated_at IS NOT NULL", c.ID) > 0 {
			action = userReactivated
		}
	} else if p.exec(ctx, "UPDATE users SET deactivated_at = ? WHERE scim_id = ? AND deactivated_at IS NULL", now(), c.ID) > 0 {
		action = userDeactivated
		n := p.exec(ctx, "UPDATE tickets SET assignee_id = NULL WHERE assignee_id = (SELECT id FROM users WHERE scim_id = ?) AND status = 'open'", c.ID)
		detail = fmt.Sprintf("%s; %d open tickets unassigned", u.UserName, n)
	}
	p.audit(ctx, actor, action, c, detail)
}

// exec runs a statement and returns the number of rows it changed. The
// change it reacts to is committed: a failure is logged, not undone.
func (p *provisioning) exec(ctx context.Context, query string, args ...any) int64 {
	res, err := p.db.ExecContext(ctx, query, args...)
	if err != nil {
		p.logger.ErrorContext(ctx, "applying a SCIM change", "error", err)
		return 0
	}
	n, _ := res.RowsAffected()
	return n
}

// audit writes an audit row and logs it.
func (p *provisioning) audit(ctx context.Context, actor, action string, c scim.Change, detail string) {
	p.logger.InfoContext(ctx, "audit", "actor", actor, "action", action, "type", c.ResourceType, "id", c.ID, "detail", detail)
	p.exec(ctx, "INSERT INTO audit_log (at, actor, action, resource_type, resource_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
		now(), actor, action, c.ResourceType, c.ID, detail)
}
