package memory_test

import (
	"testing"

	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		db := memory.New()
		return storetest.Stores{Users: db.Users(), Groups: db.Groups()}
	})
}
