package chunk

// Class is what a path is, as the token budget and the review tiers see it.
type Class uint8

// The classes, in the order a change's token budget serves them.
const (
	ClassSecurity Class = Class(classSecurity)
	ClassSource   Class = Class(classSource)
	ClassConfig   Class = Class(classConfig)
	ClassTest     Class = Class(classTest)
	ClassDocs     Class = Class(classDocs)
)

// Classify says what the file at repository path p is: documentation, a test, a
// security-sensitive path (authentication, secrets, CI, infrastructure, migrations),
// configuration, or other source, checked in that order, so that a test of the login
// code is a test and a README in auth/ is documentation.
func Classify(p string) Class { return Class(priority(p)) }
