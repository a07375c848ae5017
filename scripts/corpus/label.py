import os, json, re, sys
out = []
for i, l in enumerate(open(os.environ.get("CORPUS_RUN", "/tmp/corpus") + "/all.jsonl")):
    e = json.loads(l)
    r, p, t, h = e["rule"], e["path"], e["text"], e["hunk"]
    lab, why = False, ""
    head = h.split("\n")[0]
    if r.startswith("code-todo"):
        why = "housekeeping note, not a review point: nobody would post 'link a ticket' inline on it"
        if "EXPERIMENTAL" in t.upper(): why = "marks an experimental API, not unfinished work; not a review point"
    elif r == "rust-unwrap":
        if re.search(r"mod tests?\b|fn test_|#\[test\]|#\[cfg\(test\)\]", h) or "TempDir" in t or "symlink(" in t or p.endswith("incremental.rs") and e["line"] > 560:
            why = "test code (#[cfg(test)] module or #[test] function): unwrap is the norm there"
        elif p.endswith("printer/src/standard.rs") and e["line"] > 2000:
            why = "test code: inside standard.rs's #[cfg(test)] module (the hunk heading is a line of a raw test string)"
        elif re.search(r"\.(write|read|lock|get_mut)\(\)\.unwrap", t):
            why = "RwLock/Mutex unwrap (panics only on poisoning): the idiomatic way, not a review point"
        elif re.search(r"write!?\(|writeln!", t):
            why = "write! to a String cannot fail"
        else:
            why = "unwrap of a value the code just checked or built (invariant); a reviewer of this code base would not ask"
    elif r == "js-console-log":
        if "/dist/" in p: why = "built bundle (dist/), not source under review"
        elif "benchmarks/" in p or p.startswith("build/"): why = "benchmark/build script: console output is its purpose"
        elif "apiPreview" in p or t.lstrip().startswith("*") or "generated" in p or '"console.log' in t: why = "example code shown to users (docs string or JSDoc), not a call"
        elif "route" in p: why = "JSDoc example"
        else: why = "deliberate error logging in a UI without a logger (catch handler)"
        if p.endswith("cache/index.ts"): lab, why = True, "library middleware writes a cache failure to stdout with console.log(reason): a reviewer would ask for console.error, or for the error to reach the caller"
    elif r == "java-sql-string-concat":
        why = "DDL/identifier concatenation (schema/table names, mostly database.quote()): identifiers cannot be bound as parameters, not injection"
        if "SELECT * FROM" in t: why = "table name (this.toString() is the quoted name) after FROM: identifier, not a value"
    elif r == "secret-private-key":
        if p.endswith("_test.go") or ".test." in p: why = "dummy key in a test fixture (elided body / generated at runtime)"
        elif "/dist/" in p: why = "placeholder text in a built bundle"
        else: why = "placeholder text of a form field ('...' body)"
    elif r == "go-ignored-error":
        if "ParseBool" in t: lab, why = True, "NO_COLOR=yes (any value ParseBool rejects) silently means colour on; the thrown-away error hides it"
        elif "Atoi" in t: lab, why = True, "Caddyfile value from the user: 'file_limit abc' silently becomes 0 instead of an error"
        else: why = "getter documented to return the zero value on failure, same idiom as its GetDateTime neighbour"
    elif r == "go-sql-string-format":
        why = "%s is the lock table's name from the store's configuration (after INSERT INTO/UPDATE/FROM): an identifier, which placeholders cannot carry; the values go through $n"
    elif r == "go-tls-insecure-skip-verify":
        why = "implements the user's explicit insecure_skip_verify config option; nothing to review"
    elif r == "py-tls-verify-disabled":
        why = "the library implementing its own verify=False option"
    elif r == "py-shell-injection":
        if "datasette" in e["repo"]: lab, why = True, "command string formatted from CLI option values and run with shell=True; a list argv would be safer"
        else: why = "maintainers' docker build/release script running its own fixed command templates"
    elif r == "py-debugger":
        why = "deliberate import for datasette's --pdb option (try ipdb, else pdb), not a left-over breakpoint"
    elif r == "py-sql-string-format":
        why = "PRAGMA with an identifier escaped by escape_sqlite(); PRAGMA takes no parameters"
    elif r == "py-eval-exec":
        why = "runs an uploaded custom script on purpose (NetBox's custom scripts feature): executing it is the function's job"
    elif r == "js-eval":
        why = "built bundle (project-static/dist), not source under review"
    elif r == "java-empty-catch":
        why = "catch variable named 'ignored': deliberately empty, and says so"
    else:
        sys.exit("unlabelled " + r)
    e["label"], e["reason"] = lab, why
    out.append(e)
json.dump(out, open(os.environ.get("CORPUS_RUN", "/tmp/corpus") + "/labelled.json", "w"))
import collections
c = collections.Counter((e["rule"], e["label"]) for e in out)
for k in sorted(c): print(k, c[k])
