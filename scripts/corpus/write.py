import os, json, re, collections, subprocess
lab = json.load(open(os.environ.get("CORPUS_RUN", "/tmp/corpus") + "/labelled.json"))
lic = {"caddyserver/caddy": "Apache-2.0", "pocketbase/pocketbase": "MIT", "BurntSushi/ripgrep": "MIT OR Unlicense",
       "simonw/datasette": "Apache-2.0", "encode/httpx": "BSD-3-Clause", "honojs/hono": "MIT", "jhy/jsoup": "MIT", "flyway/flyway": "Apache-2.0", "pressly/goose": "MIT", "gohugoio/hugo": "Apache-2.0", "netbox-community/netbox": "Apache-2.0"}
KEYS = {"js-console-log": r"\bconsole\.(?:log|debug|trace|dir)\(", "secret-private-key": "PRIVATE KEY",
        "js-eval": r"(?:^|[^\w.$])eval\(|\bnew\s+Function\(|\bset(?:Timeout|Interval)\(\s*[\"'`]"}
def crop(s, key=None, n=160):
    if len(s) <= n: return s
    m = re.search(key, s) if key else None
    if m:
        i = m.start(); a = max(0, i - n//2); return s[a:a+n]
    return s[:n]
by = collections.defaultdict(list)
for e in lab:
    lines = e["hunk"].rstrip("\n").split("\n")
    head, body = lines[0], lines[1:]
    mm = re.match(r"@@ -(\d+),(\d+) \+(\d+),(\d+) @@(.*)$", head)
    ctx, ns, nl, sec = int(mm.group(2)), int(mm.group(3)), int(mm.group(4)), mm.group(5)
    # the excerpt stands alone: the old side is renumbered so that nothing before it changed
    head = ("@@ -%d,%d +%d,%d @@%s" % (ns if ctx else ns - 1, ctx, ns, nl, sec))[:100]
    tgt = None
    # locate the finding's line in the excerpt: new-line numbers from the header
    m = re.match(r"@@ -\d+,\d+ \+(\d+),\d+ @@", head); n = int(m.group(1))
    out = []
    for b in body:
        if b[0] in "+ " and n == e["line"] and b[0] == "+":
            out.append(b[0] + crop(b[1:], KEYS.get(e["rule"]), 240))
        else:
            out.append(b[0] + crop(b[1:]))
        if b[0] in "+ ": n += 1
    by[e["repo"]].append({"path": e["path"], "line": e["line"], "rule": e["rule"], "label": e["label"], "reason": e["reason"], "excerpt": [head] + out})
for repo, fs in by.items():
    key = repo.replace("/", "+")
    A, B, n = open(os.environ.get("CORPUS_RUN", "/tmp/corpus") + "/%s.range" % key).read().split()
    d = open(os.environ.get("CORPUS_RUN", "/tmp/corpus") + "/%s.diff" % key, errors="replace").read().split("\n")
    added = sum(1 for l in d if l.startswith("+") and not l.startswith("+++ "))
    deleted = sum(1 for l in d if l.startswith("-") and not l.startswith("--- "))
    doc = {"repo": repo, "url": "https://github.com/" + repo, "license": lic[repo], "base": A, "head": B,
           "commits": int(n), "added_lines": added, "deleted_lines": deleted, "findings": fs}
    s = json.dumps(doc, indent=1, ensure_ascii=False)
    open("reviewer/testdata/corpus/%s.json" % repo.replace("/", "-").lower(), "w").write(s + "\n")
    print(repo, len(fs), added, deleted, A[:12], B[:12])
