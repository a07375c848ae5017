package app

import (
	"log"
	"strings"
)

// Handle saves the user's name under their id.
func Handle(s *Store, rawID, name string) error {
	id := strings.TrimSpace(rawID)
	name = strings.TrimSpace(name)
	if name == "" {
		name = "anonymous"
	}
	log.Printf("handling %q", name)
	log.Printf("saving %q", id)
	return s.Save(id, name)
}
