// Package cpu reports the processor features and cache sizes that the
// kernels dispatch on. It is a thin wrapper over
// github.com/klauspost/cpuid/v2, read once at start-up; nothing in it
// changes afterwards.
package cpu

import (
	"runtime"

	"github.com/klauspost/cpuid/v2"
)

// Features is what the kernel paths need to know about the processor.
type Features struct {
	// AVX2FMA reports AVX2 and FMA3 together, with the OS saving ymm state.
	AVX2FMA bool
	// AVX512 reports AVX-512 F, DQ, BW and VL together, with the OS saving
	// zmm and opmask state.
	AVX512 bool
	// AVX512BF16 reports AVX512_BF16 (VDPBF16PS and the conversions to
	// bfloat16) on top of AVX512.
	AVX512BF16 bool
	// ASIMD reports the arm64 Advanced SIMD (NEON) unit.
	ASIMD bool
}

// Caches holds data-cache sizes in bytes; a size the CPU does not report is 0.
type Caches struct {
	L1D, L2, L3 int
	// Line is the cache-line size in bytes (64 when unknown).
	Line int
}

// Info describes the processor for benchmark reports.
type Info struct {
	Brand    string
	Vendor   string
	Cores    int
	Threads  int
	Features Features
	Caches   Caches
	// Flags lists the SIMD feature names the CPU reports, for reports only.
	Flags []string
}

var info = read()

func read() Info {
	c := cpuid.CPU
	f := Features{
		AVX2FMA: c.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3),
		AVX512:  c.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL),
		AVX512BF16: c.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL,
			cpuid.AVX512BF16),
		// ASIMD is architectural on arm64 (ARMv8-A); cpuid may not be able
		// to read the ID registers (e.g. under some emulators), so trust
		// the architecture as well.
		ASIMD: runtime.GOARCH == "arm64" || c.Supports(cpuid.ASIMD),
	}
	line := c.CacheLine
	if line <= 0 {
		line = 64
	}
	var flags []string
	for _, id := range []cpuid.FeatureID{cpuid.SSE2, cpuid.AVX, cpuid.AVX2, cpuid.FMA3,
		cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVX512VNNI,
		cpuid.AVX512BF16, cpuid.AVX512FP16, cpuid.ASIMD, cpuid.FPHP, cpuid.SVE} {
		if c.Supports(id) {
			flags = append(flags, id.String())
		}
	}
	return Info{
		Brand:    c.BrandName,
		Vendor:   c.VendorString,
		Cores:    c.PhysicalCores,
		Threads:  c.LogicalCores,
		Features: f,
		Caches:   Caches{L1D: c.Cache.L1D, L2: c.Cache.L2, L3: c.Cache.L3, Line: line},
		Flags:    flags,
	}
}

// Detected returns the features of the processor running this program.
func Detected() Features { return info.Features }

// Describe returns the processor description read at start-up.
func Describe() Info {
	out := info
	out.Flags = append([]string(nil), info.Flags...)
	return out
}
