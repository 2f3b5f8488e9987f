package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a.txt")
	for _, content := range []string{"first\n", "second\n"} {
		if err := WriteFile(name, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	if fi, _ := os.Stat(name); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "b.txt"), nil); err == nil {
		t.Error("write into a missing folder succeeded")
	}
}

// A killed write's temporary file is told apart from other files and
// removed.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	stale := []string{".checkpoint.safetensors.123456.tmp", ".a.1.tmp"}
	kept := []string{"checkpoint.safetensors", ".bashrc", ".a.tmp", ".x.12a.tmp", "..1.tmp", ".a.1.tmpx", "a.1.tmp"}
	for _, name := range append(append([]string(nil), stale...), kept...) {
		os.WriteFile(filepath.Join(dir, name), nil, 0o644)
	}
	if err := WriteFile(filepath.Join(dir, "b"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	removed, err := RemoveStale(dir)
	if err != nil || len(removed) != len(stale) {
		t.Errorf("removed %v, %v; want %v", removed, err, stale)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(kept)+1 {
		t.Errorf("left %v", entries)
	}
}
