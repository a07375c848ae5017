package diff

// LineKind says whether a diff line was added, deleted or left as context.
type LineKind uint8

// The kinds of diff line.
const (
	Context LineKind = iota
	Added
	Deleted
)

// String returns "context", "added" or "deleted".
func (k LineKind) String() string {
	switch k {
	case Added:
		return "added"
	case Deleted:
		return "deleted"
	}
	return "context"
}

// Line is one line of a hunk.
//
// The fields are ordered so that the three small ones share one word: a Line is 40 bytes,
// not 48, and the 100,000-line diff holds 160,000 of them.
type Line struct {
	// Content is the line without its +, - or space marker and without its line ending.
	// A CRLF line has its \r removed and CRLF set.
	Content string
	// OldLine is the line's number in the old file; 0 for an added line.
	OldLine int
	// NewLine is the line's number in the new file; 0 for a deleted line.
	NewLine int
	Kind    LineKind
	CRLF    bool
	// NoNewline is set when the line is followed by "\ No newline at end of file".
	NoNewline bool
}

// Hunk is one @@ section of a file's diff.
type Hunk struct {
	OldStart, OldLines int
	NewStart, NewLines int
	// Section is the text after the closing @@ (often the enclosing function).
	Section string
	Lines   []Line
}

// Status is what the change did to a file as a whole.
type Status uint8

// The file statuses git reports.
const (
	StatusModified Status = iota
	StatusAdded
	StatusDeleted
	StatusRenamed
	StatusCopied
)

// String returns "modified", "added", "deleted", "renamed" or "copied".
func (s Status) String() string {
	switch s {
	case StatusAdded:
		return "added"
	case StatusDeleted:
		return "deleted"
	case StatusRenamed:
		return "renamed"
	case StatusCopied:
		return "copied"
	}
	return "modified"
}

// File is one file of a diff.
type File struct {
	// OldPath and NewPath are repository-relative paths without the a/ and b/ prefixes
	// (or git's mnemonic i/ w/ c/ o/ ones), unquoted (C-style octal escapes decoded).
	// OldPath is "" for an added file and NewPath is "" for a deleted one. No two files of
	// one Parse share a Path, except the deletion and addition git writes for a type change.
	OldPath, NewPath string
	Status           Status
	// OldMode and NewMode are the git file modes ("100644"), when the diff says them.
	OldMode, NewMode string
	// Similarity is the rename or copy similarity index in percent, 0 when not given.
	Similarity int
	// Binary is set for "Binary files ... differ" and GIT binary patches.
	Binary bool
	// Submodule is set for gitlinks (mode 160000).
	Submodule bool
	Hunks     []Hunk
}

// Path is the file's path after the change, or before it for a deleted file.
func (f *File) Path() string {
	if f.NewPath != "" {
		return f.NewPath
	}
	return f.OldPath
}
