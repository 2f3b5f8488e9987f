//go:build purego || !(amd64 || arm64)

package kernels

// archPaths returns the SIMD paths of this architecture, best first. No
// assembly path exists in this build, so only the generic path is known.
func archPaths() []*path { return nil }
