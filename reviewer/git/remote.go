package git

import (
	"context"
	"net/url"
	"path"
	"strings"
)

// Name returns the repository's name as its origin remote gives it, host/owner/repo
// ("github.com/acme/app"), or "" when there is no origin or it is a local path. It never
// returns the work tree's path, nor the credentials a remote URL may carry: the name goes
// into request metadata that leaves the machine (the gateway's cost attribution).
func (r *Repo) Name(ctx context.Context) string {
	out, err := r.git(ctx, "remote", "get-url", "origin")
	if err != nil {
		return ""
	}
	return RemoteName(strings.TrimSpace(string(out)))
}

// RemoteName reduces a remote URL to host/path without the .git suffix, the port, the
// user name, the password or token, the query or the fragment:
//
//	https://user:token@github.com/acme/app.git -> github.com/acme/app
//	git@gitlab.example.com:group/sub/app.git   -> gitlab.example.com/group/sub/app
//	ssh://git@host:2222/acme/app               -> host/acme/app
//
// A local path, a file:// URL or anything it can not read as a remote on a host gives "".
func RemoteName(remote string) string {
	remote = strings.TrimSpace(remote)
	var host, p string
	if strings.Contains(remote, "://") {
		u, err := url.Parse(remote)
		if err != nil || u.Scheme == "file" || u.Hostname() == "" {
			return ""
		}
		host, p = u.Hostname(), u.Path
	} else {
		// scp-like syntax, [user@]host:path, which git reads only when no slash comes
		// before the first colon (else it is a local path), nor a drive letter (C:/src).
		i := strings.IndexByte(remote, ':')
		if i <= 1 || strings.ContainsRune(remote[:i], '/') {
			return ""
		}
		host, p = remote[:i], remote[i+1:]
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
		host = strings.Trim(host, "[]")
	}
	p = strings.TrimSuffix(strings.Trim(path.Clean("/"+p), "/"), ".git")
	if host == "" || p == "" || p == "." || strings.ContainsAny(host, "@/ ") || strings.ContainsAny(p, "@:? #") {
		return ""
	}
	return strings.ToLower(host) + "/" + p
}
