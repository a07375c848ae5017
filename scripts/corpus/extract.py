# extract.py KEY: reads $CORPUS_RUN/KEY.diff, KEY.json (reviewer review --format json) and KEY.range
# ("BASE HEAD COMMITS"); prints one JSON line per finding with its hunk excerpt.
import os, json, re, sys
key = sys.argv[1]
run = os.environ.get("CORPUS_RUN", "/tmp/corpus") + "/"
A, B, n = open(run+key+".range").read().split()
files = {}  # path -> list of (header, section, lines[(kind, text, newno, oldno)])
cur = None
path = None
for raw in open(run+key+".diff", encoding="utf-8", errors="surrogateescape"):
    raw = raw.rstrip("\n")
    if raw.startswith("diff --git "):
        path = None; cur = None; continue
    if raw.startswith("+++ ") and cur is None:
        p = raw[4:]
        path = p[2:] if p.startswith("b/") else p
        files.setdefault(path, [])
        continue
    m = re.match(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$", raw)
    if m and path:
        cur = {"section": m.group(5), "lines": [], "old": int(m.group(1)), "new": int(m.group(3))}
        cur["o"], cur["n"] = cur["old"], cur["new"]
        files[path].append(cur); continue
    if cur is None: continue
    if raw.startswith("\\"): continue
    k = raw[:1]
    if k == "+":
        cur["lines"].append(("+", raw[1:], cur["n"], cur["o"])); cur["n"] += 1
    elif k == "-":
        cur["lines"].append(("-", raw[1:], None, cur["o"])); cur["o"] += 1
    elif k == " ":
        cur["lines"].append((" ", raw[1:], cur["n"], cur["o"])); cur["n"] += 1; cur["o"] += 1
    else:
        cur = None
d = json.load(open(run+key+".json"))
CTX = 3
for f in d["findings"]:
    hs = files[f["path"]]
    for h in hs:
        idx = [i for i, l in enumerate(h["lines"]) if l[0] == "+" and l[2] == f["line"]]
        if idx: break
    i = idx[0]
    # window of CTX non-deleted lines each side (deleted lines are dropped from the excerpt)
    keep = [j for j, l in enumerate(h["lines"]) if l[0] != "-"]
    pos = keep.index(i)
    win = keep[max(0, pos-CTX): pos+CTX+1]
    # reach back to the line that opens the finding's block (nearest line above, indented
    # less), within 30 lines, since rules may read it (unless_block)
    ind = lambda t: len(t) - len(t.lstrip(" \t"))
    own = ind(h["lines"][i][1])
    for k in range(pos-1, max(-1, pos-31), -1):
        t = h["lines"][keep[k]][1]
        if t.strip() and ind(t) < own:
            if keep[k] < win[0]:
                win = keep[k: pos+CTX+1]
            break
    first = h["lines"][win[0]]
    # excerpt as a hunk: context lines stay context, added stay added
    ex = [l[0] + l[1] for l in (h["lines"][j] for j in win)]
    nctx = sum(1 for l in ex if l[0] == " ")
    sec = h["section"]
    for j in range(win[0]-1, -1, -1):
        l = h["lines"][j]
        if l[0] != "-" and re.match(r"[A-Za-z_$]", l[1]):
            sec = l[1].rstrip()[:80]; break
    hdr = "@@ -%d,%d +%d,%d @@%s" % (first[3], nctx, first[2], len(ex), (" " + sec) if sec else "")
    print(json.dumps({"repo": key.replace("+", "/"), "range": A[:12]+".."+B[:12], "path": f["path"], "line": f["line"],
        "rule": f["rule_id"], "label": None, "reason": "", "text": h["lines"][i][1].strip()[:300],
        "hunk": hdr + "\n" + "\n".join(ex) + "\n"}, ensure_ascii=False))
