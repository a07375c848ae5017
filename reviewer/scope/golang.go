package scope

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
)

// goFile finds scopes in Go source with go/parser: the top-level declaration around a
// line (its doc comment included), then the function literals inside it.
type goFile struct {
	fset *token.FileSet
	file *ast.File
	// decls are the lines of the top-level declarations, doc comments included, in
	// order: a lookup is a binary search, not a walk over a file of thousands.
	decls [][2]int
}

// parseGo parses src. A file with syntax errors is still used as far as the parser got
// (go/parser returns what it could read); only a file with no package clause is left to
// the fallback.
func parseGo(src []byte, _ *lineIndex) (*goFile, bool) {
	fset := token.NewFileSet()
	f, _ := parser.ParseFile(fset, "", src, parser.ParseComments|parser.SkipObjectResolution)
	if f == nil || f.Name == nil || !f.Package.IsValid() {
		return nil, false
	}
	g := &goFile{fset: fset, file: f, decls: make([][2]int, len(f.Decls))}
	for i, d := range f.Decls {
		r := g.lines(d)
		var doc *ast.CommentGroup
		switch d := d.(type) {
		case *ast.FuncDecl:
			doc = d.Doc
		case *ast.GenDecl:
			doc = d.Doc
		}
		if doc != nil {
			r[0] = min(r[0], fset.Position(doc.Pos()).Line)
		}
		g.decls[i] = r
	}
	return g, true
}

func (g *goFile) lines(n ast.Node) [2]int {
	return [2]int{g.fset.Position(n.Pos()).Line, g.fset.Position(n.End()).Line}
}

func (g *goFile) scopes(line int) [][2]int {
	// The last declaration starting at or before line.
	i, _ := slices.BinarySearchFunc(g.decls, line, func(r [2]int, l int) int {
		if r[0] <= l {
			return -1
		}
		return 1
	})
	i--
	if i < 0 || g.decls[i][1] < line {
		// Between declarations (a comment, a blank line): the line alone.
		return nil
	}
	out := [][2]int{g.decls[i]}
	// Function literals around the line, outermost first: a handler defined inside a
	// long function is a scope of its own. The walk is bounded in depth: End of an
	// unclosed block (a file with syntax errors) walks down its last statements, so End
	// at every level of a deep nest would be quadratic.
	depth := 0
	ast.Inspect(g.file.Decls[i], func(n ast.Node) bool {
		if n == nil {
			depth--
			return false
		}
		if depth >= maxDepth {
			return false
		}
		r := g.lines(n)
		if line < r[0] || line > r[1] {
			return false
		}
		if fl, ok := n.(*ast.FuncLit); ok {
			out = append(out, g.lines(fl))
		}
		depth++
		return true
	})
	return out
}

func (g *goFile) header() (int, int, bool) {
	start := g.fset.Position(g.file.Package).Line
	end := g.fset.Position(g.file.Name.End()).Line
	for _, d := range g.file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			break
		}
		end = g.fset.Position(gd.End()).Line
	}
	return start, end, true
}

// related returns the declaration of the receiver's type of the method around line, when
// this file declares it (its doc comment included): the fields and invariants the method
// works with, often far above it.
func (g *goFile) related(line int) [][2]int {
	i, _ := slices.BinarySearchFunc(g.decls, line, func(r [2]int, l int) int {
		if r[0] <= l {
			return -1
		}
		return 1
	})
	i--
	if i < 0 || g.decls[i][1] < line {
		return nil
	}
	fd, ok := g.file.Decls[i].(*ast.FuncDecl)
	if !ok || fd.Recv == nil || len(fd.Recv.List) == 0 {
		return nil
	}
	name := receiverName(fd.Recv.List[0].Type)
	if name == "" {
		return nil
	}
	for j, d := range g.file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, sp := range gd.Specs {
			if ts, ok := sp.(*ast.TypeSpec); ok && ts.Name != nil && ts.Name.Name == name {
				if len(gd.Specs) == 1 {
					return [][2]int{g.decls[j]}
				}
				r := g.lines(ts)
				if ts.Doc != nil {
					r[0] = min(r[0], g.fset.Position(ts.Doc.Pos()).Line)
				}
				return [][2]int{r}
			}
		}
	}
	return nil
}

// receiverName is the type name of a receiver: T, *T, T[K], *T[K, V].
func receiverName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}
