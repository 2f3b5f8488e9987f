package fisherflow

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Data is a distribution to learn: sequences of Positions() probability
// vectors over Categories() classes. Categorical data (every vector a
// one-hot, i.e. a sequence of classes) is drawn as classes; other data
// (points inside the simplex, such as the smiley) as probability vectors.
type Data interface {
	Positions() int
	Categories() int
	// Categorical reports whether the data are sequences of classes.
	Categorical() bool
	// Draw fills seq (categorical data: n x Positions classes) or x (other
	// data: n x Positions x Categories probabilities) with n independent
	// draws; the other slice is ignored.
	Draw(r *rand.Rand, seq []int, x []float64)
}

// ConditionedData is categorical Data whose sequences come with
// conditioning: a signal of Signal() channels at every position and/or
// one of Classes() class labels (0 for none). A Trainer on it conditions
// the network on them, which must be a Conditioned Network ("promoter" or
// "enhancer").
type ConditionedData interface {
	Data
	Signal() int
	Classes() int
	// DrawConditioned fills n = len(seq)/Positions() sequences with their
	// signals (n x Positions x Signal) and class labels (n); signal or
	// class is nil when the data have none.
	DrawConditioned(r *rand.Rand, seq []int, signal []float64, class []int)
}

// Positions returns the sequence length of the toy target.
func (t *Toy) Positions() int { return t.Len }

// Categories returns K.
func (t *Toy) Categories() int { return t.K }

// Categorical is true: the toy target is a distribution of sequences.
func (t *Toy) Categorical() bool { return true }

// Draw samples sequences from the target.
func (t *Toy) Draw(r *rand.Rand, seq []int, _ []float64) { t.Sample(r, seq) }

// Sequences is a finite set of equal-length sequences of classes, drawn
// uniformly with replacement.
type Sequences struct {
	Len, K int
	Seqs   [][]int
}

// NewSequences checks that seqs are non-empty, of one length, with
// classes in [0, k) or Masked.
func NewSequences(seqs [][]int, k int) (*Sequences, error) {
	if len(seqs) == 0 {
		return nil, fmt.Errorf("no sequences")
	}
	if k < 2 {
		return nil, fmt.Errorf("%d categories: need at least 2", k)
	}
	n := len(seqs[0])
	if n == 0 {
		return nil, fmt.Errorf("sequence 1 is empty")
	}
	for i, s := range seqs {
		if len(s) != n {
			return nil, fmt.Errorf("sequence %d has length %d, sequence 1 has %d", i+1, len(s), n)
		}
		for j, c := range s {
			if (c < 0 || c >= k) && c != Masked {
				return nil, fmt.Errorf("sequence %d position %d: class %d outside [0, %d)", i+1, j+1, c, k)
			}
		}
	}
	return &Sequences{Len: n, K: k, Seqs: seqs}, nil
}

// Positions returns the sequence length.
func (s *Sequences) Positions() int { return s.Len }

// Categories returns the number of classes.
func (s *Sequences) Categories() int { return s.K }

// Categorical is true.
func (s *Sequences) Categorical() bool { return true }

// Draw copies n uniformly drawn sequences into seq.
func (s *Sequences) Draw(r *rand.Rand, seq []int, _ []float64) {
	for i := 0; i+s.Len <= len(seq); i += s.Len {
		copy(seq[i:i+s.Len], s.Seqs[r.IntN(len(s.Seqs))])
	}
}

// Points is a finite set of points of one simplex (k = 1 position),
// drawn uniformly with replacement.
type Points struct {
	K int
	P [][]float64
}

// Positions is 1.
func (p *Points) Positions() int { return 1 }

// Categories returns the dimension of the probability vectors.
func (p *Points) Categories() int { return p.K }

// Categorical is false.
func (p *Points) Categorical() bool { return false }

// Draw copies n uniformly drawn points into x.
func (p *Points) Draw(r *rand.Rand, _ []int, x []float64) {
	for i := 0; i+p.K <= len(x); i += p.K {
		copy(x[i:i+p.K], p.P[r.IntN(len(p.P))])
	}
}

// Smiley draws the smiley-face data set of Fisher-Flow's simplex
// experiment on the 2-simplex: n points, n/3 in each of two "eyes"
// (radius U(0, 0.05), angle U(0, 2 pi), centred at (0.4, 0.45) and
// (0.6, 0.45)) and the rest on a "smile" arc (angle linspace(0, pi/2) +
// 1.25 pi, radius 0.2 + U(-0.03, 0.03), centre (0.5, 0.3)), in the plane of
// the triangle A=(0,0), B=(1,0), C=(1/2, sqrt(3)/2), returned in
// barycentric coordinates (A, B, C).
func Smiley(n int, r *rand.Rand) *Points {
	pts := &Points{K: 3}
	eye := n / 3
	add := func(x, y float64) { pts.P = append(pts.P, Barycentric(x, y)) }
	for _, cx := range []float64{0.4, 0.6} {
		for i := 0; i < eye; i++ {
			rad, ang := 0.05*r.Float64(), 2*math.Pi*r.Float64()
			add(cx+rad*math.Cos(ang), 0.45+rad*math.Sin(ang))
		}
	}
	m := n - 2*eye
	for i := 0; i < m; i++ {
		th := 0.0
		if m > 1 {
			th = math.Pi / 2 * float64(i) / float64(m-1)
		}
		rad := 0.2 + 0.06*r.Float64() - 0.03
		add(0.5+rad*math.Cos(th+1.25*math.Pi), 0.3+rad*math.Sin(th+1.25*math.Pi))
	}
	return pts
}

// Barycentric returns the barycentric coordinates of the plane point
// (x, y) in the triangle A=(0,0), B=(1,0), C=(1/2, sqrt(3)/2), clipped at 0
// and renormalised (points of the smiley lie inside).
func Barycentric(x, y float64) []float64 {
	c := y / (math.Sqrt(3) / 2)
	b := x - c/2
	a := 1 - b - c
	p := []float64{max(a, 0), max(b, 0), max(c, 0)}
	s := p[0] + p[1] + p[2]
	for i := range p {
		p[i] /= s
	}
	return p
}

// Cartesian is the inverse of Barycentric: the plane point of p.
func Cartesian(p []float64) (x, y float64) {
	return p[1] + p[2]/2, p[2] * math.Sqrt(3) / 2
}

// LabelledSequences is a finite set of equal-length sequences with their
// conditioning, drawn uniformly with replacement: the promoter data (a
// signal of Channels values at every position) and the enhancer data (one
// of NumClasses class labels per sequence), or both.
type LabelledSequences struct {
	*Sequences
	// Sig holds len(Seqs) x Len x Channels values (nil when Channels is 0).
	Sig      []float64
	Channels int
	// Labels holds one class in [0, NumClasses) per sequence (nil when
	// NumClasses is 0).
	Labels     []int
	NumClasses int
}

// NewLabelledSequences checks the shapes: signal (nil, or len(seqs) x
// length x channels finite values) and labels (nil, or one per sequence
// in [0, classes)).
func NewLabelledSequences(seqs [][]int, k int, signal []float64, channels int, labels []int, classes int) (*LabelledSequences, error) {
	s, err := NewSequences(seqs, k)
	if err != nil {
		return nil, err
	}
	if signal != nil && (channels < 1 || len(signal) != len(seqs)*s.Len*channels) {
		return nil, fmt.Errorf("signal of %d values for %d sequences of length %d x %d channels", len(signal), len(seqs), s.Len, channels)
	}
	if signal == nil {
		channels = 0
	}
	for i, v := range signal {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			per := s.Len * channels
			return nil, fmt.Errorf("signal of sequence %d position %d is %v", i/per+1, i%per/channels+1, v)
		}
	}
	if labels != nil {
		if len(labels) != len(seqs) || classes < 1 {
			return nil, fmt.Errorf("%d labels of %d classes for %d sequences", len(labels), classes, len(seqs))
		}
		for i, c := range labels {
			if c < 0 || c >= classes {
				return nil, fmt.Errorf("label %d of sequence %d outside [0, %d)", c, i+1, classes)
			}
		}
	} else {
		classes = 0
	}
	return &LabelledSequences{Sequences: s, Sig: signal, Channels: channels, Labels: labels, NumClasses: classes}, nil
}

// Signal returns the signal channels.
func (s *LabelledSequences) Signal() int { return s.Channels }

// Classes returns the number of class labels.
func (s *LabelledSequences) Classes() int { return s.NumClasses }

// DrawConditioned copies n uniformly drawn sequences into seq with their
// signals and labels.
func (s *LabelledSequences) DrawConditioned(r *rand.Rand, seq []int, signal []float64, class []int) {
	per := s.Len * s.Channels
	for i, n := 0, 0; i+s.Len <= len(seq); i, n = i+s.Len, n+1 {
		j := r.IntN(len(s.Seqs))
		copy(seq[i:i+s.Len], s.Seqs[j])
		if signal != nil && per > 0 {
			copy(signal[n*per:(n+1)*per], s.Sig[j*per:(j+1)*per])
		}
		if class != nil && s.Labels != nil {
			class[n] = s.Labels[j]
		}
	}
}

// Shifted is training data whose windows move: its records (with their
// signals) are Shift positions longer on each side than the Positions()
// it yields, and every draw takes a record's window at an offset drawn
// uniformly from [0, 2*Shift], as the promoter benchmark shifts its
// training windows by a random ±10 bases around the TSS. Evaluate on
// Crop(Shift, Positions()) of the held-out records: their centred
// windows.
type Shifted struct {
	Full  *LabelledSequences
	Shift int
}

// NewShifted returns full's windows of length full.Len - 2*shift, moved
// by up to ±shift at every draw: a ConditionedData when full has a signal
// or labels, else plain Data (as *Sequences is).
func NewShifted(full *LabelledSequences, shift int) (Data, error) {
	if shift < 0 || full.Len-2*shift < 1 {
		return nil, fmt.Errorf("a shift of %d on records of length %d: need 0 <= shift < length/2", shift, full.Len)
	}
	s := &Shifted{Full: full, Shift: shift}
	if full.Channels == 0 && full.NumClasses == 0 {
		return shiftedPlain{s}, nil
	}
	return s, nil
}

// shiftedPlain is an unconditioned Shifted, hiding DrawConditioned.
type shiftedPlain struct{ s *Shifted }

func (p shiftedPlain) Positions() int                            { return p.s.Positions() }
func (p shiftedPlain) Categories() int                           { return p.s.Categories() }
func (p shiftedPlain) Categorical() bool                         { return true }
func (p shiftedPlain) Draw(r *rand.Rand, seq []int, x []float64) { p.s.Draw(r, seq, x) }

// Positions returns the window length.
func (s *Shifted) Positions() int { return s.Full.Len - 2*s.Shift }

// Categories returns the number of classes.
func (s *Shifted) Categories() int { return s.Full.K }

// Categorical is true.
func (s *Shifted) Categorical() bool { return true }

// Signal returns the signal channels.
func (s *Shifted) Signal() int { return s.Full.Channels }

// Classes returns the number of class labels.
func (s *Shifted) Classes() int { return s.Full.NumClasses }

// Draw copies n windows of uniformly drawn records into seq.
func (s *Shifted) Draw(r *rand.Rand, seq []int, _ []float64) { s.DrawConditioned(r, seq, nil, nil) }

// DrawConditioned copies n windows of uniformly drawn records, each at
// its own random offset, into seq with their signals and labels.
func (s *Shifted) DrawConditioned(r *rand.Rand, seq []int, signal []float64, class []int) {
	f, L, ch := s.Full, s.Positions(), s.Full.Channels
	for i, n := 0, 0; i+L <= len(seq); i, n = i+L, n+1 {
		j := r.IntN(len(f.Seqs))
		o := r.IntN(2*s.Shift + 1)
		copy(seq[i:i+L], f.Seqs[j][o:o+L])
		if signal != nil && ch > 0 {
			row := f.Sig[(j*f.Len+o)*ch : (j*f.Len+o+L)*ch]
			copy(signal[n*L*ch:(n+1)*L*ch], row)
		}
		if class != nil && f.Labels != nil {
			class[n] = f.Labels[j]
		}
	}
}

// Crop returns the windows [off, off+length) of every record of s, with
// their signals and labels (Shifted's held-out counterpart: off = Shift).
func (s *LabelledSequences) Crop(off, length int) (*LabelledSequences, error) {
	if off < 0 || length < 1 || off+length > s.Len {
		return nil, fmt.Errorf("window [%d, %d) of records of length %d", off, off+length, s.Len)
	}
	seqs := make([][]int, len(s.Seqs))
	for i, q := range s.Seqs {
		seqs[i] = q[off : off+length : off+length]
	}
	var sig []float64
	if s.Sig != nil {
		ch := s.Channels
		sig = make([]float64, 0, len(s.Seqs)*length*ch)
		for i := range s.Seqs {
			sig = append(sig, s.Sig[(i*s.Len+off)*ch:(i*s.Len+off+length)*ch]...)
		}
	}
	return NewLabelledSequences(seqs, s.K, sig, s.Channels, s.Labels, s.NumClasses)
}
