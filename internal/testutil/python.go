package testutil

import (
	"os/exec"
	"strings"
	"testing"
)

// Python returns a Python 3 interpreter that imports every module named,
// trying Debian's /usr/bin/python3 (where python3-numpy and the other peers
// are installed) before the python3 on PATH, or skips the test saying
// what is missing.
func Python(t testing.TB, modules ...string) string {
	t.Helper()
	imports := "import " + strings.Join(append([]string{"sys"}, modules...), ", ")
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", imports).Run() == nil {
			return path
		}
	}
	t.Skipf("no python3 with %s installed (apt-get install python3-numpy)", strings.Join(modules, ", "))
	return ""
}
