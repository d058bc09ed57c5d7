package directory_test

import (
	"testing"
	"time"

	"github.com/scimkit/scim/directory"
	"github.com/scimkit/scim/directory/directorytest"
)

func TestMemoryRegistry(t *testing.T) {
	directorytest.RunRegistry(t, func(t *testing.T) directory.Registry { return directory.NewMemoryRegistry() })
}

func TestMemoryLog(t *testing.T) {
	directorytest.RunLog(t, func(t *testing.T, now func() time.Time) directory.Log {
		return directory.NewMemoryLog(directory.MemoryLogOptions{Size: 100, Now: now})
	})
}
