// Package version holds the library version and ABI version. Version is set
// at link time with -ldflags "-X .../core/version.Version=x.y.z"; the build
// info is the fallback.
package version

import "runtime/debug"

// Version is the release version, set by the linker. Do not assign at run
// time.
var Version = ""

// ABI is the C ABI version; it matches LLMSPELL_ABI_VERSION in llmspell.h.
const ABI = 1

// Default is the version used when neither the linker nor the build info
// provides one; it matches LLMSPELL_VERSION_STRING.
const Default = "0.1.0"

// String returns the version: the linker value, else the module version from
// the build info, else Default.
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return Default
}
