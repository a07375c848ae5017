package treesitter

import (
	"path"
	"strings"
)

// MaxSize is the largest file, in bytes, that Enclosing and Header parse. Larger files give
// ok=false: they are mostly generated or vendored, their tree takes ten times their size in
// memory, and their parse may take seconds.
const MaxSize = 2 << 20

// byExt maps a lower-cased file extension to the language that parses it. A .h file is
// taken as C: the C++ grammar mis-reads C that uses C++ keywords as names, and the C grammar
// still finds the functions of most C++ headers.
var byExt = map[string]string{
	".py": "python", ".pyi": "python", ".pyw": "python",
	".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
	".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
	".tsx":  "tsx",
	".rs":   "rust",
	".java": "java",
	".c":    "c", ".h": "c",
	".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".c++": "cpp", ".hh": "cpp", ".hpp": "cpp",
	".hxx": "cpp", ".h++": "cpp", ".ipp": "cpp", ".inl": "cpp", ".tcc": "cpp",
	".rb": "ruby", ".rake": "ruby", ".gemspec": "ruby", ".ru": "ruby",
}

// byName maps file names that have no telling extension.
var byName = map[string]string{
	"Rakefile": "ruby", "Gemfile": "ruby", "Guardfile": "ruby", "Vagrantfile": "ruby",
	"Podfile": "ruby", "Fastfile": "ruby", "Brewfile": "ruby",
}

// Lang reports the language whose parser reads the file at path (slash-separated, as in a
// diff), by its name or extension: python, typescript, tsx, javascript, rust, java, c, cpp
// or ruby. ok is false for any other file, and for every file in a build without cgo, where
// no parser is compiled in.
func Lang(p string) (lang string, ok bool) {
	if !available {
		return "", false
	}
	return langOf(p)
}

func langOf(p string) (string, bool) {
	base := path.Base(p)
	if l, ok := byName[base]; ok {
		return l, true
	}
	l, ok := byExt[strings.ToLower(path.Ext(base))]
	return l, ok
}
