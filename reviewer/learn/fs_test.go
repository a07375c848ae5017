package learn_test

import (
	"io/fs"
	"testing/fstest"
)

// overlayFS is base with one file replaced.
type overlayFS struct {
	base fs.FS
	path string
	data []byte
}

func (o *overlayFS) Open(name string) (fs.File, error) {
	if name == o.path {
		return fstest.MapFS{name: {Data: o.data}}.Open(name)
	}
	return o.base.Open(name)
}
