package smsfail

import "runtime/debug"

// Version is smsfail's version as the build recorded it: the module
// version of a binary built with go install or from a tagged module, or
// "devel" for a build from a working tree.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
