module github.com/scimkit/scim

go 1.26

require (
	github.com/scim2/filter-parser/v2 v2.2.1
	github.com/stretchr/testify v1.10.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/di-wu/parser v0.2.2 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
