package main

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlmap"
	"github.com/scimkit/scim/store/sqlstore"
)

// The helpdesk's SCIM wiring: SCIM Users are its users (agents), SCIM
// Groups its teams, each member one team_members row. store/sqlmap
// generates the stores from this declaration, and /Schemas advertises
// exactly the mapped attributes.
var mapping = sqlmap.Mapping{
	Dialect: sqlstore.SQLite,
	Users: &sqlmap.Table{Name: "users", Key: "id", ID: "scim_id", Version: "version", Directory: "directory",
		Created: "created_at", Modified: "updated_at",
		Columns: []sqlmap.Column{
			{Path: "userName", Name: "username", Fold: "username_fold"},
			{Path: "name.givenName", Name: "first_name"},
			{Path: "name.familyName", Name: "last_name"},
			{Path: "displayName", Name: "display_name", Fold: "display_name_fold"},
			{Path: "emails.value", Name: "email", Type: "work", Fold: "email_fold"},
			{Path: "title", Name: "job_title"},
			{Path: "active", Name: "active"},
			{Path: "externalId", Name: "external_ref"},
			{Path: schema.EnterpriseUserSchemaURN + ":department", Name: "department"},
		}},
	Groups: &sqlmap.Table{Name: "teams", Key: "id", ID: "scim_id", Version: "version", Directory: "directory",
		Created: "created_at", Modified: "updated_at",
		Columns: []sqlmap.Column{
			{Path: "displayName", Name: "name", Fold: "name_fold"},
			{Path: "externalId", Name: "external_ref"},
		}},
	Members: &sqlmap.Members{Table: "team_members", Group: "team_id", Member: "user_id"},
}

// newSCIM returns the SCIM handler over the helpdesk's tables and the
// stores it serves; hooks acts on every committed change.
func newSCIM(db *sql.DB, token string, hooks *provisioning, logger *slog.Logger) (http.Handler, *sqlmap.Stores, error) {
	if err := upgradeForDirectories(context.Background(), db); err != nil {
		return nil, nil, err
	}
	stores, err := sqlmap.New(db, mapping)
	if err != nil {
		return nil, nil, err
	}
	srv, err := scim.New(
		scim.WithResourceType(stores.Users().ResourceType(), stores.Users()),
		scim.WithResourceType(stores.Groups().ResourceType(), stores.Groups()),
		scim.WithBearerToken("idp", token),
		scim.WithLogger(logger),
		scim.WithChangeHook(hooks.onChange),
	)
	return srv, stores, err
}

func now() time.Time { return time.Now().UTC() }
