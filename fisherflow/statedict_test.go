package fisherflow

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
	"github.com/fisherflow/fisherflow/internal/safetensors"
)

// stateDictNets are small networks of every registered kind that has a
// PyTorch module, with the state_dict keys that module has.
func stateDictNets() []struct {
	cfg  Config
	keys []string
} {
	lin := func(name string) []string { return []string{name + ".weight", name + ".bias"} }
	var bmlp, mlp, prom, enh []string
	bmlp = append(bmlp, lin("time")...)
	for i := range 4 {
		bmlp = append(bmlp, lin(fmt.Sprintf("blocks.%d", i))...)
	}
	for i := range 3 {
		mlp = append(mlp, lin(fmt.Sprintf("layers.%d", i))...)
	}
	conv := func(classes bool) []string {
		k := append([]string{"fourier.w"}, lin("time")...)
		if classes {
			k = append(k, "class_emb.weight")
		}
		k = append(k, lin("inp")...)
		for i := range 2 {
			for _, m := range []string{"dense", "norms", "convs"} {
				k = append(k, lin(fmt.Sprintf("%s.%d", m, i))...)
			}
		}
		return append(append(k, lin("head1")...), lin("head2")...)
	}
	prom, enh = conv(false), conv(true)
	return []struct {
		cfg  Config
		keys []string
	}{
		{Config{Net: "bestmlp", Hidden: 8, TimeDim: 4, Batch: 4}, bmlp},
		{Config{Net: "mlp", Hidden: 8, Depth: 3, Batch: 4}, mlp},
		{Config{Net: "promoter", Channels: 4, Blocks: 2, Signal: 1, Batch: 4, OT: NoOT}, prom},
		{Config{Net: "enhancer", Channels: 4, Blocks: 2, Classes: 3, Batch: 4, OT: NoOT}, enh},
	}
}

// A checkpoint's tensors without a "/" are the PyTorch module's
// state_dict: its keys, its shapes (a convolution weight Out x In x
// Kernel, its values transposed from nn's Out x Kernel x In), and they
// load into a network drawn from another seed, which then computes what
// the first one does; a state_dict that does not fit is refused whole.
func TestStateDict(t *testing.T) {
	for _, c := range stateDictNets() {
		newNet := func(seed uint64) *Trainer[float32] {
			cfg := c.cfg
			cfg.Seed = seed
			tr, err := newModel[float32](cfg, 6, 4)
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}
		a, b := newNet(1), newNet(2)
		ck, err := a.Checkpoint(nil)
		if err != nil {
			t.Fatal(err)
		}
		ts, _, err := safetensors.Unmarshal(ck)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]safetensors.Tensor{}
		var keys []string
		for _, x := range ts {
			byName[x.Name] = x
			if !strings.Contains(x.Name, "/") {
				keys = append(keys, x.Name)
			}
		}
		sort.Strings(keys)
		want := slices.Clone(c.keys)
		sort.Strings(want)
		if !slices.Equal(keys, want) {
			t.Errorf("%s: state_dict keys\n%v\nwant\n%v", c.cfg.Net, keys, want)
		}
		for _, p := range a.Params {
			if strings.HasSuffix(p.Name, ".weight") && len(p.Shape) == 3 {
				x := byName[p.Name]
				out, k, in := p.Shape[0], p.Shape[1], p.Shape[2]
				if !slices.Equal(x.Shape, []int{out, in, k}) {
					t.Errorf("%s: shape %v, want [%d %d %d]", p.Name, x.Shape, out, in, k)
				}
				for o := range out {
					for ci := range in {
						for j := range k {
							if x.F32[(o*in+ci)*k+j] != p.W[(o*k+j)*in+ci] {
								t.Fatalf("%s[%d, %d, %d] is not nn's [%d, %d, %d]", p.Name, o, ci, j, o, j, ci)
							}
						}
					}
				}
			}
		}
		// The same outputs from the loaded network.
		x := make([]float32, 4*a.Net.Width())
		for i := range x {
			x[i] = float32(i%7) / 7
		}
		tt := []float32{0.1, 0.4, 0.6, 0.9}
		if cn, ok := a.Net.(conditioner[float32]); ok {
			sig := make([]float32, 4*6*c.cfg.Signal)
			for i := range sig {
				sig[i] = float32(i%5) / 5
			}
			var class []int
			if c.cfg.Classes > 0 {
				class = []int{0, 1, 2, 3}
			}
			if c.cfg.Signal == 0 {
				sig = nil
			}
			cn.Condition(sig, class, 4)
			b.Net.(conditioner[float32]).Condition(sig, class, 4)
		}
		ya := slices.Clone(a.Net.Forward(x, tt, 4))
		if yb := b.Net.Forward(x, tt, 4); slices.Equal(ya, yb) {
			t.Fatalf("%s: networks of seeds 1 and 2 agree", c.cfg.Net)
		}
		if err := b.LoadStateDict(ck); err != nil {
			t.Fatal(err)
		}
		if yb := b.Net.Forward(x, tt, 4); !slices.Equal(ya, yb) {
			t.Errorf("%s: the network loaded from the state_dict computes other outputs", c.cfg.Net)
		}
		// Missing, unexpected and misshapen keys are refused, and
		// nothing is loaded.
		c0 := newNet(3)
		w0 := slices.Clone(c0.Params[0].W)
		sd := func(edit func([]safetensors.Tensor) []safetensors.Tensor) []byte {
			var top []safetensors.Tensor
			for _, x := range ts {
				if !strings.Contains(x.Name, "/") {
					top = append(top, x)
				}
			}
			out, err := safetensors.Marshal(edit(top), nil)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		for _, e := range []struct {
			edit func([]safetensors.Tensor) []safetensors.Tensor
			want string
		}{
			{func(x []safetensors.Tensor) []safetensors.Tensor { return x[1:] }, "missing " + ts[0].Name},
			{func(x []safetensors.Tensor) []safetensors.Tensor {
				return append(x, safetensors.Tensor{Name: "extra.weight", Shape: []int{1}, F32: []float32{1}})
			}, "unexpected extra.weight"},
			{func(x []safetensors.Tensor) []safetensors.Tensor {
				x[0].Shape = []int{len(x[0].F32)}
				return x
			}, "shape of " + ts[0].Name},
		} {
			err := c0.LoadStateDict(sd(e.edit))
			if err == nil || !strings.Contains(err.Error(), e.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: %v, want one line with %q", c.cfg.Net, err, e.want)
			}
			if !slices.Equal(c0.Params[0].W, w0) {
				t.Errorf("%s: a refused state_dict changed the weights", c.cfg.Net)
			}
		}
	}
}

// SwapLastAxes exchanges the last two axes; ToTorch and FromTorch undo
// each other.
func TestTorchLayout(t *testing.T) {
	p := &nn.Param[float32]{Name: "c.weight", Shape: []int{2, 3, 4}, W: make([]float32, 24), SwapLast: true}
	for i := range p.W {
		p.W[i] = float32(i)
	}
	w := nn.ToTorch(p, p.W)
	if !slices.Equal(p.TorchShape(), []int{2, 4, 3}) || w[1] != p.W[4] || w[3] != p.W[1] || w[12] != p.W[12] {
		t.Errorf("ToTorch: shape %v, %v from %v", p.TorchShape(), w, p.W)
	}
	back := make([]float32, 24)
	nn.FromTorch(p, back, w)
	if !slices.Equal(back, p.W) {
		t.Errorf("FromTorch(ToTorch(w)) = %v, want %v", back, p.W)
	}
}
