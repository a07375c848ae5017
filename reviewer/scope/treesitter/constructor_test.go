//go:build cgo

package treesitter_test

import (
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/scope/treesitter"
)

// TestConstructor: a method's line gives its class's constructor, with its decorators or
// doc comment; a line in the constructor, in a nested class's member, outside any class,
// or in a language without classes gives none.
func TestConstructor(t *testing.T) {
	t.Parallel()
	python := `import os


class Store:
    """Keeps rows."""

    # Build the store.
    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.rows = {}

    def get(self, key):
        return self.rows[key]

    class Inner:
        def x(self):
            return 1


def free():
    return 2
`
	ruby := `class Directory
  attr_reader :root

  def initialize(root)
    @root = ::File.expand_path(root)
  end

  def check(path)
    path.start_with?(@root)
  end
end
`
	js := `export class Cache {
  /** Makes a cache. */
  constructor(limit) {
    this.limit = limit;
  }

  get(k) {
    return this.map.get(k);
  }
}
`
	ts := `abstract class Base {
  constructor(private readonly limit: number) {}

  size(): number {
    return this.limit;
  }
}
`
	java := `package p;

public class Box {
  private final int size;

  /** Makes a box. */
  @Deprecated
  public Box(int size) {
    this.size = size;
  }

  public int size() {
    return size;
  }
}
`
	c := "int f(void) {\n  return 1;\n}\n"
	tests := []struct {
		name, lang, src string
		line            int
		start, end      int
		ok              bool
	}{
		{"python method", "python", python, 13, 7, 10, true},
		{"python in the constructor", "python", python, 9, 0, 0, false},
		{"python nested class member has no constructor", "python", python, 17, 0, 0, false},
		{"python function outside any class", "python", python, 21, 0, 0, false},
		{"ruby method", "ruby", ruby, 9, 4, 6, true},
		{"javascript method", "javascript", js, 8, 2, 5, true},
		{"typescript method", "typescript", ts, 5, 2, 2, true},
		{"java method", "java", java, 13, 6, 10, true},
		{"c has no classes", "c", c, 2, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, e, ok := treesitter.Constructor(tt.lang, []byte(tt.src), tt.line)
			if ok != tt.ok || s != tt.start || e != tt.end {
				t.Errorf("Constructor(%s, line %d) = %d, %d, %v; want %d, %d, %v", tt.lang, tt.line, s, e, ok, tt.start, tt.end, tt.ok)
			}
		})
	}
}
