// Package markdown renders text the bot did not write (a model's message, a file path, a
// forge's or a rules file's words) as Markdown that shows that text and does nothing else
// on either forge: no HTML (so no hidden marker of the bot's), no image, no live link, no
// fence (so no committable suggestion), no mention or issue reference that notifies or
// closes anything, and no line GitLab would run as a quick action.
//
// It sits at the end of the pipeline: the comment, summary and failure bodies of package
// reviewer put every untrusted string through it. The output is still readable Markdown:
// emphasis and lists stay, and a code span stays a code span when it is closed on its line.
// The rules are those of how the forges read a body:
//
//   - GitLab runs a quick action from any line of a note that starts with "/" and a
//     command name. Its extractor (Gitlab::QuickActions::Extractor) skips only what runs
//     from a line starting with three backticks to a line that is exactly three
//     backticks, HTML tag blocks and ">>>" quotes; a line inside an HTML comment, a code
//     span over several lines, a "~~~" or longer fence still runs. So no line may start
//     with "/" and a word, whatever the Markdown around it (leading white space
//     included, to be safe with other readers).
//   - Mentions and references are found in the rendered text, so they are broken with an
//     invisible word joiner (U+2060) after "@", "#" and the like, in code spans too.
//   - Bare URLs are linked by GFM's autolink extension and by GitLab's filter, so "://"
//     and "www." get a word joiner too; "[", "<" and "&" are escaped, so no link, image,
//     autolink, HTML or character reference can be written.
package markdown
