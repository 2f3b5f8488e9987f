package cpu

import (
	"runtime"
	"testing"
)

func TestDescribe(t *testing.T) {
	info := Describe()
	if info.Caches.Line <= 0 {
		t.Errorf("cache line %d", info.Caches.Line)
	}
	if info.Features != Detected() {
		t.Errorf("Describe().Features %+v != Detected() %+v", info.Features, Detected())
	}
	if runtime.GOARCH == "arm64" && !info.Features.ASIMD {
		t.Error("arm64 without ASIMD")
	}
	if runtime.GOARCH != "arm64" && info.Features.ASIMD {
		t.Error("ASIMD reported off arm64")
	}
	if runtime.GOARCH != "amd64" && (info.Features.AVX2FMA || info.Features.AVX512) {
		t.Error("x86 features reported off amd64")
	}
	// Describe returns a copy: changing it changes nothing.
	if len(info.Flags) > 0 {
		info.Flags[0] = "changed"
		if Describe().Flags[0] == "changed" {
			t.Error("Describe shares its Flags slice")
		}
	}
	t.Logf("%+v", info)
}
