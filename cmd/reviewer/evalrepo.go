package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/eval"
	"github.com/reviewerbot/reviewer/reviewer/git"
)

// evalRepo is the git repository built from a case's repo/: its base and head commits.
type evalRepo struct {
	repo *git.Repo
	revs eval.Revisions
}

// buildEvalRepos builds the repository of every case that has a repo/, each in a
// temporary directory that remove deletes, before any case is reviewed: a case whose
// diff does not turn its base into its head is a bad case (exit 2), found before any
// request is paid for. Every bad case is reported at once.
func buildEvalRepos(ctx context.Context, cases []*eval.Case) (repos map[string]*evalRepo, remove func(), err error) {
	repos = map[string]*evalRepo{}
	var dirs []string
	remove = func() {
		for _, d := range dirs {
			_ = os.RemoveAll(d)
		}
	}
	var errs []error
	for _, cs := range cases {
		if cs.Base == nil {
			continue
		}
		dir, err := os.MkdirTemp("", "reviewer-eval-")
		if err != nil {
			remove()
			return nil, func() {}, err
		}
		dirs = append(dirs, dir)
		repo, revs, err := eval.BuildRepo(ctx, cs, dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		repos[cs.Name] = &evalRepo{repo: repo, revs: revs}
	}
	if err := errors.Join(errs...); err != nil {
		remove()
		return nil, func() {}, usageError(fmt.Errorf("eval case repositories:\n%w", err))
	}
	return repos, remove, nil
}

// caseRepo is a case's diff with its repository: the pipeline finds the TreeReader on
// the diff source, as it does on git's and the forges', and reads the files around the
// hunks from it.
type caseRepo struct {
	bytesDiff
	repo *git.Repo
}

func (r caseRepo) Tree(ctx context.Context, c reviewer.Change, rev string, paths []string) (fs.FS, error) {
	return r.repo.Tree(ctx, c, rev, paths)
}

var _ reviewer.TreeReader = caseRepo{}
