package seqio

import (
	"fmt"
	"strings"
)

// Equalize makes all sequences one length: mode "" refuses unequal
// lengths (an error naming the first two that differ), "crop" cuts every
// sequence to the shortest, "pad" extends every sequence to the longest
// with a padding class K (the symbol '-' for alphabets), which it adds.
func (s *Set) Equalize(mode string) error {
	lo, hi := len(s.Seqs[0]), len(s.Seqs[0])
	first := -1
	for i, q := range s.Seqs {
		if len(q) != len(s.Seqs[0]) && first < 0 {
			first = i
		}
		lo, hi = min(lo, len(q)), max(hi, len(q))
	}
	if lo == hi {
		return nil
	}
	switch mode {
	case "":
		return fmt.Errorf("%w: sequence 1 has length %d, sequence %d has %d (lengths %d..%d): equalize them with mode \"pad\" or \"crop\"",
			ErrRagged, len(s.Seqs[0]), first+1, len(s.Seqs[first]), lo, hi)
	case "crop":
		for i := range s.Seqs {
			s.Seqs[i] = s.Seqs[i][:lo]
		}
	case "pad":
		padc := s.K
		if s.Alphabet != "" {
			if strings.IndexByte(s.Alphabet, '-') >= 0 {
				return fmt.Errorf("cannot pad: '-' is already a symbol of the alphabet")
			}
			s.Alphabet += "-"
		}
		s.K++
		for i, q := range s.Seqs {
			for len(q) < hi {
				q = append(q, padc)
			}
			s.Seqs[i] = q
		}
	default:
		return fmt.Errorf("unknown length mode %q (pad or crop)", mode)
	}
	return nil
}
