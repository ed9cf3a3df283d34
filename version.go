package smsfail

import "smsfail/version"

// Version is smsfail's version as the build recorded it, as the workbook,
// the mail and `smsfail check` name it: the module version of a binary
// built with go install or from a tagged module, or "devel" for a build
// from a working tree, with the commit when the build recorded one.
func Version() string { return version.String() }
