package fisherflow

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Motifs is a synthetic DNA benchmark on which conditional generation is
// measurable, standing in for the promoter data (which cannot be
// downloaded here): each sequence is i.i.d. uniform bases with a known
// motif planted at an offset drawn per sequence, and the conditioning
// signal of the sequence is a Gaussian bump of width Width centred on that
// offset (zero elsewhere, as a CAGE-like peak). A model that learns the
// task writes the motif where the signal peaks; MotifRecall measures it.
type Motifs struct {
	Length int
	Motif  []int   // the planted bases, 0..3 (A, C, G, T)
	Width  float64 // the signal bump's standard deviation, in positions
}

// NewMotifs returns the benchmark for sequences of length positions with
// the given motif (letters of ACGT) and a bump of standard deviation 3.
func NewMotifs(length int, motif string) (*Motifs, error) {
	m := &Motifs{Length: length, Width: 3}
	for _, c := range motif {
		i := map[rune]int{'A': 0, 'C': 1, 'G': 2, 'T': 3}[c]
		if c != 'A' && i == 0 {
			return nil, fmt.Errorf("fisherflow: motif %q: %q is not one of ACGT", motif, c)
		}
		m.Motif = append(m.Motif, i)
	}
	if len(m.Motif) == 0 || len(m.Motif) > length {
		return nil, fmt.Errorf("fisherflow: motif %q does not fit sequences of length %d", motif, length)
	}
	return m, nil
}

// Draw fills n = len(seq)/Length sequences and their signals (n x Length)
// and returns the motif offsets.
func (m *Motifs) Draw(r *rand.Rand, seq []int, signal []float64) []int {
	n := len(seq) / m.Length
	if len(seq) != n*m.Length || len(signal) != len(seq) {
		panic(fmt.Sprintf("fisherflow.Motifs.Draw: len(seq)=%d, len(signal)=%d for length %d", len(seq), len(signal), m.Length))
	}
	offsets := make([]int, n)
	for s := 0; s < n; s++ {
		row, sig := seq[s*m.Length:(s+1)*m.Length], signal[s*m.Length:(s+1)*m.Length]
		for i := range row {
			row[i] = r.IntN(4)
		}
		off := r.IntN(m.Length - len(m.Motif) + 1)
		copy(row[off:], m.Motif)
		offsets[s] = off
		m.fillSignal(sig, off)
	}
	return offsets
}

// fillSignal writes the bump of a motif planted at off.
func (m *Motifs) fillSignal(sig []float64, off int) {
	centre := float64(off) + float64(len(m.Motif)-1)/2
	for i := range sig {
		d := (float64(i) - centre) / m.Width
		sig[i] = math.Exp(-d * d / 2)
	}
}

// MotifRecall returns the fraction of sequences (n x Length) that carry
// the motif, with at most mismatches wrong bases, at the offset their
// signal (n x Length) peaks for: the measure of whether a model conditions
// on the signal. For i.i.d. uniform bases and no conditioning it is about
// the chance of the motif at one offset (4^-len(Motif) for 0 mismatches).
func (m *Motifs) MotifRecall(seq []int, signal []float64, mismatches int) float64 {
	n := len(seq) / m.Length
	if n == 0 || len(seq) != n*m.Length || len(signal) != len(seq) {
		panic(fmt.Sprintf("fisherflow.Motifs.MotifRecall: len(seq)=%d, len(signal)=%d for length %d", len(seq), len(signal), m.Length))
	}
	hits := 0
	for s := 0; s < n; s++ {
		row, sig := seq[s*m.Length:(s+1)*m.Length], signal[s*m.Length:(s+1)*m.Length]
		peak := 0
		for i, v := range sig {
			if v > sig[peak] {
				peak = i
			}
		}
		// The bump is centred on the motif's middle; the first of the
		// maximal positions is the lower middle for even motifs.
		off := peak - (len(m.Motif)-1)/2
		if off < 0 || off+len(m.Motif) > m.Length {
			continue
		}
		wrong := 0
		for i, b := range m.Motif {
			if row[off+i] != b {
				wrong++
			}
		}
		if wrong <= mismatches {
			hits++
		}
	}
	return float64(hits) / float64(n)
}

// MotifData is the Motifs benchmark as ConditionedData for a Trainer:
// sequences over ACGT with a one-channel signal at every position.
type MotifData struct{ *Motifs }

// Positions returns the sequence length.
func (d MotifData) Positions() int { return d.Length }

// Categories returns 4, the bases.
func (d MotifData) Categories() int { return 4 }

// Categorical is true.
func (d MotifData) Categorical() bool { return true }

// Signal returns 1: one signal channel.
func (d MotifData) Signal() int { return 1 }

// Classes returns 0: no class labels.
func (d MotifData) Classes() int { return 0 }

// Draw fills seq with sequences and drops their signals.
func (d MotifData) Draw(r *rand.Rand, seq []int, _ []float64) {
	d.Motifs.Draw(r, seq, make([]float64, len(seq)))
}

// DrawConditioned fills seq and signal (class is ignored).
func (d MotifData) DrawConditioned(r *rand.Rand, seq []int, signal []float64, _ []int) {
	d.Motifs.Draw(r, seq, signal)
}
