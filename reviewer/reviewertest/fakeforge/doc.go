// Package fakeforge holds what the fake forges of fakegithub and fakegitlab share: the
// record of the requests they received with the problems found in them, a change's
// revisions and the fakes' own reading of its diff, and JSON and paging helpers. It is
// used only from tests.
package fakeforge
