package rules

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one problem in a rules file, an imported instructions file or .reviewer.yaml,
// located by file and line so the author can jump to it. Functions that find several
// problems return them all at once, joined with errors.Join; use errors.As to get at one.
type Error struct {
	// File is the path of the file in the repository, or "builtin:<file>" for an
	// embedded rule.
	File string
	// Line is the 1-based line in File, counted in the whole file (front matter lines
	// included). Zero means the problem is about the file as a whole.
	Line int
	Msg  string
}

// Error returns "file:line: msg", or "file: msg" when the line is unknown.
func (e *Error) Error() string {
	if e.Line <= 0 {
		return e.File + ": " + e.Msg
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
}

// problems collects the errors found in one file. offset is added to YAML line numbers:
// front matter starts on the file's second line, after the opening ---.
type problems struct {
	file   string
	offset int
	errs   []*Error
}

func (p *problems) at(line int, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// node records a problem at a YAML node's line.
func (p *problems) node(n *yaml.Node, format string, args ...any) {
	p.at(n.Line+p.offset, format, args...)
}

// err returns the problems sorted by line, joined, or nil.
func (p *problems) err() error { return joinErrors(p.errs) }

func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].File != errs[j].File {
			return errs[i].File < errs[j].File
		}
		return errs[i].Line < errs[j].Line
	})
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into an *Error with the line in the whole file.
func (p *problems) yamlError(err error) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			p.at(n+p.offset, "invalid YAML: %s", m[2])
			return
		}
	}
	// yaml.v3 leaves the line out of errors on the document's first line.
	p.at(1+p.offset, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}
