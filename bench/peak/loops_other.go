//go:build purego || !amd64

package peak

// loops is empty where no FMA probe is generated yet.
func loops() []loop { return nil }
