// Package atomicfile writes files so that a reader (or a crash) sees the
// old content or the new, never a part: a temporary file in the same
// folder, synced, then renamed over the name.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteFile writes data to name atomically, with mode 0644. Its
// temporary file is named .NAME.DIGITS.tmp, in name's folder.
func WriteFile(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// IsTemp reports whether name (a base name) is a temporary file of
// WriteFile.
func IsTemp(name string) bool {
	rest, ok := strings.CutSuffix(name, ".tmp")
	if !ok || !strings.HasPrefix(rest, ".") {
		return false
	}
	i := strings.LastIndexByte(rest, '.')
	if i < 2 || i == len(rest)-1 {
		return false
	}
	return strings.Trim(rest[i+1:], "0123456789") == ""
}

// RemoveStale removes from dir the temporary files that writes killed
// before their rename left behind, and returns their names. Call it only
// where no other process is writing into dir.
func RemoveStale(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("remove stale temporary files: %w", err)
	}
	var removed []string
	for _, e := range entries {
		if e.Type().IsRegular() && IsTemp(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return removed, fmt.Errorf("remove stale temporary files: %w", err)
			}
			removed = append(removed, e.Name())
		}
	}
	return removed, nil
}
