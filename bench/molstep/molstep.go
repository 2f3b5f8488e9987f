// Package molstep is the molecule training step that make bench times
// against its PyTorch peer, bench/peers/fisherflow_molecules.py:
// Trainer builds the default moltrain setting on the embedded QM7 data
// (BenchmarkMoleculeStep times its TrainStep), and Export writes one step
// of the same network in float64 (weights, the batch's inputs and
// targets, the raw outputs, the losses and the parameter gradients) as
// safetensors, which the peer's -check reproduces with its own network.
package molstep

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/fisherflow/fisherflow/fisherflow/mol"
	"github.com/fisherflow/fisherflow/fisherflow/molflow"
	"github.com/fisherflow/fisherflow/fisherflow/moltrain"
	"github.com/fisherflow/fisherflow/fisherflow/nn"
	"github.com/fisherflow/fisherflow/internal/safetensors"
)

// Trainer returns a trainer of moltrain.DefaultConfig on all of QM7 as
// its training set (as moltrain's BenchmarkTrainStep), its threads
// those of GOMAXPROCS at the call.
func Trainer[T nn.Float]() (*moltrain.Trainer[T], error) {
	tr, _, err := trainer[T]()
	return tr, err
}

// trainer is Trainer, also returning the training graphs.
func trainer[T nn.Float]() (*moltrain.Trainer[T], []*mol.Graph, error) {
	mols, err := mol.QM7()
	if err != nil {
		return nil, nil, err
	}
	v := mol.NewVocab(mols)
	gs := make([]*mol.Graph, len(mols))
	for i, m := range mols {
		if gs[i], err = v.Encode(m); err != nil {
			return nil, nil, fmt.Errorf("molstep: %w", err)
		}
	}
	tr, err := moltrain.NewTrainer[T](moltrain.DefaultConfig(), v, mol.NewSizeDist(mols), gs, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("molstep: %w", err)
	}
	return tr, gs, nil
}

// Export runs the network and loss of the default setting in float64 on
// molecules QM7 molecules drawn with seed (their prior, times and
// interpolants too) and returns the safetensors file of it:
//
//   - param/NAME and grad/NAME: every parameter (PyTorch state_dict
//     names) and its gradient of the total loss;
//   - input/{pos,types,charges,bonds,t,sizes}: the network's inputs x_t
//     (atoms x 3, atoms x types, atoms x charges, pairs x bond classes,
//     pairs i < j of each molecule in row-major order), one time and one
//     size per molecule;
//   - target/{pos,types,charges,bonds}: the flow's targets u;
//   - output/{pos,types,charges,bonds}: the network's raw outputs;
//   - data/{types,charges,bonds}: the molecules' one-hot classes x1,
//     which the endpoint parameterisation's cross-entropy scores;
//
// with the losses, loss weights, network sizes, the parameterisation
// ("param") and the categorical schedule ("cat_cosine") as metadata. The
// position MLPs' last layers (initialised near zero, so that positions
// start nearly unmoved) are redrawn from N(0, 0.1^2) first, so that the
// position update takes part in the comparison.
func Export(molecules int, seed uint64) ([]byte, error) {
	tr, train, err := trainer[float64]()
	if err != nil {
		return nil, err
	}
	return export(tr, train, molecules, seed)
}

// export is Export with the trainer and its training graphs.
func export(tr *moltrain.Trainer[float64], train []*mol.Graph, molecules int, seed uint64) ([]byte, error) {
	if molecules < 1 || molecules > tr.Cfg.Batch {
		return nil, fmt.Errorf("molstep: export of %d molecules; the trainer takes 1 to %d", molecules, tr.Cfg.Batch)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	for _, p := range tr.Params {
		if strings.Contains(p.Name, ".coord_mlp.2.") {
			for i := range p.W {
				p.W[i] = 0.1 * r.NormFloat64()
			}
		}
	}
	gs := make([]*mol.Graph, molecules)
	for i := range gs {
		gs[i] = train[r.IntN(len(train))]
	}
	in, err := tr.Flow.Draw(r, gs)
	if err != nil {
		return nil, fmt.Errorf("molstep: %w", err)
	}
	out := tr.Flow.Output()
	if err := tr.Net.Forward(out, in); err != nil {
		return nil, fmt.Errorf("molstep: %w", err)
	}
	tr.Params.ZeroGrad()
	ls, dout, err := tr.Flow.Loss(out)
	if err != nil {
		return nil, fmt.Errorf("molstep: %w", err)
	}
	if err := tr.Net.Backward(dout); err != nil {
		return nil, fmt.Errorf("molstep: %w", err)
	}

	l, d := in.Layout, in.Dims
	N, P, B := l.Atoms(), l.Pairs(), l.Molecules()
	var ts []safetensors.Tensor
	add := func(name string, x []float64, shape ...int) {
		ts = append(ts, safetensors.Tensor{Name: name, Shape: shape, F64: append([]float64{}, x...)})
	}
	for _, p := range tr.Params {
		add("param/"+p.Name, p.W, p.Shape...)
	}
	for _, p := range tr.Params {
		add("grad/"+p.Name, p.G, p.Shape...)
	}
	sizes := make([]float64, B)
	for b, s := range l.Sizes {
		sizes[b] = float64(s)
	}
	add("input/sizes", sizes, B)
	add("input/t", in.T, B)
	for _, part := range []struct {
		name string
		p    *molflow.Parts
	}{{"input", &in.X}, {"target", tr.Flow.Target()}, {"output", out}} {
		add(part.name+"/pos", part.p.Pos, N, 3)
		add(part.name+"/types", part.p.Types, N, d.Types)
		add(part.name+"/charges", part.p.Charges, N, d.Charges)
		add(part.name+"/bonds", part.p.Bonds, P, d.Bonds)
	}
	x1 := tr.Flow.Data()
	add("data/types", x1.Types, N, d.Types)
	add("data/charges", x1.Charges, N, d.Charges)
	add("data/bonds", x1.Bonds, P, d.Bonds)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	w, nc := tr.Cfg.Flow.Weights, tr.Cfg.Net
	meta := map[string]string{
		"loss_pos": f(ls.Pos), "loss_types": f(ls.Types), "loss_charges": f(ls.Charges), "loss_bonds": f(ls.Bonds), "loss_total": f(ls.Total),
		"weight_pos": f(w.Pos), "weight_types": f(w.Types), "weight_charges": f(w.Charges), "weight_bonds": f(w.Bonds),
		"hidden": strconv.Itoa(nc.Hidden), "layers": strconv.Itoa(nc.Layers), "time_dim": strconv.Itoa(nc.TimeDim),
		"params": strconv.Itoa(tr.Params.Count()), "method": string(tr.Cfg.Flow.Method),
		"elements": strings.Join(tr.Vocab.Elements, ","),
		"param":    string(tr.Flow.Config().Param), "cat_cosine": f(tr.Flow.Config().CatCosine),
	}
	b, err := safetensors.Marshal(ts, meta)
	if err != nil {
		return nil, fmt.Errorf("molstep: %w", err)
	}
	return b, nil
}
