package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/fisherflow/fisherflow/internal/atomicfile"
)

// Sharded sampling: the n samples of a sample command are drawn in blocks
// of sampleBlock, block j with a seed of its own (blockSeed), so that any
// contiguous range of blocks is drawn the same way whichever process
// draws it. Shard I of N draws blocks [I*B/N, (I+1)*B/N) of the B blocks
// and writes FILE.shard-I-of-N.EXT; "sample -merge FILE.EXT" joins the N
// files into the file one process would have written.

// sampleBlock is the number of samples drawn with one seed.
const sampleBlock = 1024

// blockSeed is the seed of block j of a sample command run with seed:
// block 0 takes the seed itself (so a run of at most one block is what it
// was before sharding), later blocks a SplitMix64 mix of seed and j.
func blockSeed(seed uint64, j int) uint64 {
	if j == 0 {
		return seed
	}
	z := seed + uint64(j)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// shard is this process's share of a sample command: shard i of n.
type shard struct{ i, n int }

// parseShard reads -shard: I/N, or "slurm" for the Slurm job array's task
// (SLURM_ARRAY_TASK_ID less SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT).
func parseShard(s string) (shard, error) {
	if s == "" {
		return shard{0, 1}, nil
	}
	if s == "slurm" {
		id, e1 := strconv.Atoi(os.Getenv("SLURM_ARRAY_TASK_ID"))
		count, e2 := strconv.Atoi(os.Getenv("SLURM_ARRAY_TASK_COUNT"))
		lo, e3 := strconv.Atoi(os.Getenv("SLURM_ARRAY_TASK_MIN"))
		if e1 != nil || e2 != nil || e3 != nil {
			return shard{}, fmt.Errorf("-shard slurm: not in a Slurm job array (SLURM_ARRAY_TASK_ID, _MIN and _COUNT are not all set)")
		}
		s = fmt.Sprintf("%d/%d", id-lo, count)
	}
	a, b, ok := strings.Cut(s, "/")
	i, e1 := strconv.Atoi(a)
	n, e2 := strconv.Atoi(b)
	if !ok || e1 != nil || e2 != nil || n < 1 || i < 0 || i >= n {
		return shard{}, fmt.Errorf("-shard %q is not I/N with 0 <= I < N (or slurm)", s)
	}
	return shard{i, n}, nil
}

// samples returns the range [lo, hi) of the n samples that the shard draws.
func (sh shard) samples(n int) (lo, hi int) {
	blocks := (n + sampleBlock - 1) / sampleBlock
	b0, b1 := sh.i*blocks/sh.n, (sh.i+1)*blocks/sh.n
	return min(b0*sampleBlock, n), min(b1*sampleBlock, n)
}

// path is the shard's file for out: out itself for the whole, else
// out's name with .shard-I-of-N before its extension.
func (sh shard) path(out string) string {
	if sh.n == 1 {
		return out
	}
	ext := filepath.Ext(out)
	return fmt.Sprintf("%s.shard-%d-of-%d%s", strings.TrimSuffix(out, ext), sh.i, sh.n, ext)
}

// sampleRange draws samples [lo, hi) of a sample command, block by block;
// signal and class hold every sample's conditions (or are nil), probs
// (or nil) receives the range's probability vectors.
func sampleRange(tr sampler, positions, k int, s sampleFlags, lo, hi int, signal []float64, class []int, probs []float64) ([]int, error) {
	out := make([]int, 0, (hi-lo)*positions)
	for start := lo; start < hi; start += sampleBlock {
		end := min(start+sampleBlock, hi)
		var sig []float64
		if signal != nil {
			per := len(signal) / s.n
			sig = signal[start*per : end*per]
		}
		var cls []int
		if class != nil {
			cls = class[start:end]
		}
		var pr []float64
		if probs != nil {
			row := positions * k
			pr = probs[(start-lo)*row : (end-lo)*row]
		}
		c, err := tr.SampleConditioned(end-start, s.steps, blockSeed(s.seed, start/sampleBlock), sig, cls, s.guidance, pr)
		if err != nil {
			return nil, err
		}
		out = append(out, c...)
	}
	return out, nil
}

var fastaName = regexp.MustCompile(`(?m)^>sample_(\d+)$`)

// renumberFASTA adds offset to the numbers of the >sample_N names in b.
func renumberFASTA(b []byte, offset int) []byte {
	if offset == 0 {
		return b
	}
	return fastaName.ReplaceAllFunc(b, func(m []byte) []byte {
		n, _ := strconv.Atoi(string(m[len(">sample_"):]))
		return []byte(">sample_" + strconv.Itoa(n+offset))
	})
}

// mergeShards joins the shard files of out (out.shard-I-of-N.ext, all N
// of them) into out, in shard order.
func mergeShards(out string) error {
	ext := filepath.Ext(out)
	stem := strings.TrimSuffix(out, ext)
	pat := regexp.MustCompile("^" + regexp.QuoteMeta(filepath.Base(stem)) + `\.shard-(\d+)-of-(\d+)` + regexp.QuoteMeta(ext) + "$")
	entries, err := os.ReadDir(filepath.Dir(out))
	if err != nil {
		return fmt.Errorf("sample -merge: %w", err)
	}
	byN := map[int]map[int]string{}
	for _, e := range entries {
		m := pat.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		if byN[n] == nil {
			byN[n] = map[int]string{}
		}
		byN[n][i] = filepath.Join(filepath.Dir(out), e.Name())
	}
	if len(byN) == 0 {
		return fmt.Errorf("sample -merge: no shard files %s.shard-I-of-N%s", stem, ext)
	}
	if len(byN) > 1 {
		var ns []string
		for n := range byN {
			ns = append(ns, strconv.Itoa(n))
		}
		sort.Strings(ns)
		return fmt.Errorf("sample -merge: shard files of different counts (of %s) beside %s: remove the stale ones", strings.Join(ns, ", "), out)
	}
	var buf bytes.Buffer
	for n, files := range byN {
		var missing []string
		for i := range n {
			if files[i] == "" {
				missing = append(missing, strconv.Itoa(i))
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("sample -merge: %d of %d shards of %s are missing: %s", len(missing), n, out, strings.Join(missing, ", "))
		}
		for i := range n {
			b, err := os.ReadFile(files[i])
			if err != nil {
				return fmt.Errorf("sample -merge: %w", err)
			}
			buf.Write(b)
		}
	}
	if err := atomicfile.WriteFile(out, buf.Bytes()); err != nil {
		return fmt.Errorf("sample -merge: %w", err)
	}
	return nil
}
