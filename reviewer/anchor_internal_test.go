package reviewer

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/rules"
)

// anchorDiff has two hunks: new lines 10-14 and 40-43.
const anchorDiff = `diff --git a/app/db.py b/app/db.py
--- a/app/db.py
+++ b/app/db.py
@@ -10,4 +10,5 @@ def query(conn, name):
     cur = conn.cursor()
-    cur.execute("SELECT * FROM t WHERE n = %s", (name,))
+    sql = "SELECT * FROM t WHERE n = '" + name + "'"
+    cur.execute(sql)
     rows = cur.fetchall()
     return rows
@@ -39,3 +40,4 @@ def close(conn):
     try:
         conn.close()
+    except Exception: pass
     finally:
`

func TestAnchor(t *testing.T) {
	t.Parallel()
	files, err := diff.Parse([]byte(anchorDiff))
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]*sentFile{"app/db.py": newSentFile("app/db.py", files[0].Hunks, newFileIndex(files[0]))}
	ruleIDs := map[string]bool{"py-sql": true}

	type placed struct {
		Line, EndLine int
		Side          Side
		Rule          string
		Severity      rules.Severity
		Suggestion    string
	}
	tests := []struct {
		name   string
		in     ModelFinding
		want   placed
		reason string // non-empty: unplaced with this reason
	}{
		{
			name: "right line",
			in:   ModelFinding{Path: "app/db.py", Line: 11, Severity: "error", RuleID: "py-sql", Message: "m", Quote: "sql = \"SELECT", Suggestion: "x"},
			want: placed{11, 11, SideNew, "py-sql", rules.SeverityError, "x"},
		},
		{
			name: "range in one hunk",
			in:   ModelFinding{Path: "app/db.py", Line: 11, EndLine: 12, Severity: "warning", Message: "m"},
			want: placed{11, 12, SideNew, "", rules.SeverityWarning, ""},
		},
		{
			name:   "range across hunks",
			in:     ModelFinding{Path: "app/db.py", Line: 13, EndLine: 41, Severity: "info", Message: "m"},
			reason: "line 13-41 are not in one hunk of the diff",
		},
		{
			name: "range across hunks, re-anchored by its quote",
			in:   ModelFinding{Path: "app/db.py", Line: 13, EndLine: 41, Severity: "info", Message: "m", Quote: "rows = cur.fetchall()"},
			want: placed{13, 13, SideNew, "", rules.SeverityInfo, ""},
		},
		{
			name: "wrong line snapped to the quote nearby",
			in:   ModelFinding{Path: "app/db.py", Line: 16, Severity: "error", Message: "m", Quote: "cur.execute(sql)", Suggestion: "cur.execute(q, (name,))"},
			want: placed{12, 12, SideNew, "", rules.SeverityError, "cur.execute(q, (name,))"},
		},
		{
			name:   "quote too far from the line to move it",
			in:     ModelFinding{Path: "app/db.py", Line: 30, Severity: "error", Message: "m", Quote: "cur.execute(sql)"},
			reason: "the quoted code is not at line 30 or near it",
		},
		{
			name:   "valid line but the quote is elsewhere",
			in:     ModelFinding{Path: "app/db.py", Line: 10, Severity: "warning", Message: "m", Quote: "except Exception: pass"},
			reason: "the quoted code is not at line 10 or near it",
		},
		{
			name:   "valid line and a quote found nowhere",
			in:     ModelFinding{Path: "app/db.py", Line: 14, Severity: "warning", Message: "m", Quote: "os.Exit(1) // never here"},
			reason: "the quoted code is not at line 14 or near it",
		},
		{
			name: "quote copied with line number and marker",
			in:   ModelFinding{Path: "app/db.py", Line: 44, Severity: "warning", Message: "m", Quote: "  42 +     except Exception: pass"},
			want: placed{42, 42, SideNew, "", rules.SeverityWarning, ""},
		},
		{
			name: "multi-line quote across a removed line",
			in:   ModelFinding{Path: "app/db.py", Line: 8, EndLine: 9, Severity: "warning", Message: "m", Quote: "cur = conn.cursor()\nsql = \"SELECT * FROM t", Suggestion: "a\nb"},
			want: placed{10, 11, SideNew, "", rules.SeverityWarning, "a\nb"},
		},
		{
			name: "a removed line numbered as a new one",
			in:   ModelFinding{Path: "app/db.py", Line: 11, Severity: "error", Message: "m", Quote: `cur.execute("SELECT * FROM t WHERE n = %s", (name,))`, Suggestion: "x"},
			want: placed{11, 11, SideOld, "", rules.SeverityError, ""},
		},
		{
			name: "removed line",
			in:   ModelFinding{Path: "app/db.py", Line: 11, Side: SideOld, Severity: "info", Message: "m", Suggestion: "s"},
			want: placed{11, 11, SideOld, "", rules.SeverityInfo, ""},
		},
		{
			name: "unknown rule and severity",
			in:   ModelFinding{Path: "app/db.py", Line: 12, Severity: "critical", RuleID: "made-up", Message: "m"},
			want: placed{12, 12, SideNew, "", rules.SeverityWarning, ""},
		},
		{
			name:   "line outside the diff, no quote",
			in:     ModelFinding{Path: "app/db.py", Line: 30, Message: "m"},
			reason: "line 30 is not in the diff",
		},
		{
			name:   "quote too short to move a finding",
			in:     ModelFinding{Path: "app/db.py", Line: 15, Message: "m", Quote: "rows"},
			reason: "the quoted code is not at line 15 or near it",
		},
		{
			name:   "file not in the chunk",
			in:     ModelFinding{Path: "app/other.py", Line: 11, Message: "m"},
			reason: "app/other.py was not in the reviewed chunk",
		},
		{
			name:   "removed line that is not in the diff",
			in:     ModelFinding{Path: "app/db.py", Line: 20, Side: SideOld, Message: "m"},
			reason: "removed line 20 is not in the diff",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, reason := anchor(tt.in, sent, func(id, path string) bool { return ruleIDs[id] && path == "app/db.py" })
			if reason != tt.reason {
				t.Fatalf("reason %q, want %q", reason, tt.reason)
			}
			if reason != "" {
				return
			}
			if diff := cmp.Diff(tt.want, placed{got.Line, got.EndLine, got.Side, got.RuleID, got.Severity, got.Suggestion}); diff != "" {
				t.Errorf("anchored (-want +got):\n%s", diff)
			}
			if got.Source != SourceLLM || got.Path != "app/db.py" {
				t.Errorf("source %q path %q", got.Source, got.Path)
			}
		})
	}
}

// TestAnchorAmbiguous: a quote found at two places equally near the line names neither.
func TestAnchorAmbiguous(t *testing.T) {
	t.Parallel()
	d := "diff --git a/a.go b/a.go\nnew file mode 100644\n--- /dev/null\n+++ b/a.go\n@@ -0,0 +1,5 @@\n+\tif err != nil { return err }\n+\tx := 1\n+\tx++\n+\ty := 2\n+\tif err != nil { return err }\n"
	files, err := diff.Parse([]byte(d))
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]*sentFile{"a.go": newSentFile("a.go", files[0].Hunks, newFileIndex(files[0]))}
	_, why := anchor(ModelFinding{Path: "a.go", Line: 3, Message: "m", Quote: "if err != nil { return err }"}, sent, nil)
	if why != "the quoted code is not at line 3 or near it" {
		t.Errorf("reason %q, want the quote to name no line", why)
	}
	f, why := anchor(ModelFinding{Path: "a.go", Line: 4, Message: "m", Quote: "if err != nil { return err }"}, sent, nil)
	if why != "" || f.Line != 5 {
		t.Errorf("line %d, reason %q: want the nearer place, line 5", f.Line, why)
	}
	// Identical lines get different fingerprints, and the same ones whichever is flagged.
	f1, _ := anchor(ModelFinding{Path: "a.go", Line: 1, Message: "m"}, sent, nil)
	f5, _ := anchor(ModelFinding{Path: "a.go", Line: 5, Message: "other words"}, sent, nil)
	if f1.Fingerprint == f5.Fingerprint {
		t.Error("two identical lines share a fingerprint")
	}
	again, _ := anchor(ModelFinding{Path: "a.go", Line: 5, Message: "m"}, sent, nil)
	if again.Fingerprint != f5.Fingerprint {
		t.Error("rewording changed the fingerprint")
	}
}
