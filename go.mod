module github.com/scimkit/scim

go 1.23
