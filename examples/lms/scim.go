package main

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlmap"
	"github.com/scimkit/scim/store/sqlstore"
)

// The LMS's SCIM wiring: which column of its users table holds which User
// attribute, and the server over the store sqlmap generates from that.
// /Schemas advertises exactly these attributes.

const enterprise = schema.EnterpriseUserSchemaURN

// learners maps SCIM Users onto the users table. A SCIM DELETE with
// deactivate sets deprovisioned_at (and active to false) and hides the
// learner from SCIM; with delete it removes the row and its enrolments.
func learners(deactivate bool) *sqlmap.Table {
	t := &sqlmap.Table{Name: "users", Key: "id", ID: "scim_id", Version: "version",
		Created: "created_at", Modified: "updated_at",
		Columns: []sqlmap.Column{
			{Path: "userName", Name: "username", Fold: "username_fold"},
			{Path: "name.givenName", Name: "first_name"},
			{Path: "name.familyName", Name: "last_name"},
			{Path: "displayName", Name: "display_name", Fold: "display_name_fold"},
			{Path: "emails.value", Name: "email", Type: "work", Fold: "email_fold"},
			{Path: "phoneNumbers.value", Name: "phone", Type: "work"},
			{Path: "active", Name: "active"},
			{Path: "externalId", Name: "external_ref"},
			{Path: "preferredLanguage", Name: "preferred_language"},
			{Path: enterprise + ":employeeNumber", Name: "official_code"},
		}}
	if deactivate {
		t.Hide = "deprovisioned_at"
	}
	return t
}

// newSCIM returns the SCIM handler over the LMS's users table and the
// store it serves.
func newSCIM(db *sql.DB, deactivate bool, token string, logger *slog.Logger) (http.Handler, *sqlmap.Stores, error) {
	stores, err := sqlmap.New(db, sqlmap.Mapping{Dialect: sqlstore.SQLite, Users: learners(deactivate)})
	if err != nil {
		return nil, nil, err
	}
	srv, err := scim.New(
		scim.WithResourceType(stores.Users().ResourceType(), stores.Users()),
		scim.WithBearerToken("idp", token),
		scim.WithLogger(logger),
		scim.WithChangeHook(func(ctx context.Context, c scim.Change) {
			logger.InfoContext(ctx, "learner provisioned", "change", c.Kind, "id", c.ID)
		}),
	)
	return srv, stores, err
}
