package fisherflow

import (
	"errors"
	"fmt"
	"strings"
)

// Config is a training run. The zero value of a field selects the default
// noted beside it (the reference hyper-parameters of the toy benchmark).
type Config struct {
	Method      Method     `json:"method"`             // fisherflow
	OT          OTMode     `json:"ot"`                 // exact for fisherflow, none for linear
	Resample    Resampling `json:"resample"`           // replacement (as the reference)
	Steps       int        `json:"steps"`              // 3000
	Batch       int        `json:"batch"`              // 512
	LR          float64    `json:"lr"`                 // 1e-3
	WeightDecay float64    `json:"weight_decay"`       // 0
	ClipNorm    float64    `json:"clip_norm"`          // 1.0
	Schedule    string     `json:"schedule"`           // "plateau" (factor 0.1, patience 10 evaluations), "cosine" or "constant"
	EMA         float64    `json:"ema"`                // 0 (off); e.g. 0.99
	Net         string     `json:"net"`                // a registered Network's name: "bestmlp" (the toy network), "mlp" (the smiley network), "promoter" or "enhancer" (nn.ConvNet)
	Hidden      int        `json:"hidden"`             // 512
	Depth       int        `json:"depth"`              // 4 (Linear layers of "mlp")
	TimeDim     int        `json:"time_dim"`           // 64 (time embedding of "bestmlp")
	Channels    int        `json:"channels,omitempty"` // ConvNet channels (0: the reference, 256 promoter, 128 enhancer)
	Blocks      int        `json:"blocks,omitempty"`   // ConvNet residual blocks (0: the reference, 20)
	Signal      int        `json:"signal,omitempty"`   // conditioning channels per position (from the data)
	Classes     int        `json:"classes,omitempty"`  // class labels (from the data)
	NoClass     float64    `json:"no_class,omitempty"` // share of training labels replaced by "no class", for classifier-free guidance (0.1 when Classes > 0)
	EvalEvery   int        `json:"eval_every"`         // 196 steps (one reference "epoch" of 100k samples)
	ValBatches  int        `json:"val_batches"`        // 10 (5,000 sequences as the reference)
	Seed        uint64     `json:"seed"`               // 12345
}

// The settings that exclude each other, as WithDefaults reports them
// (wrapped, so that errors.Is finds them).
var (
	// ErrLinearOT is an OT coupling asked of the linear method: the
	// coupling's cost is the sphere's geodesic distance, so Linear needs
	// OT none.
	ErrLinearOT = errors.New("OT coupling is defined on the sphere: the linear method needs OT none")
	// ErrConditionedOT is an OT coupling asked for conditioned data (a
	// signal or class labels): it would pair noise with data across
	// conditions, so conditioned data need OT none.
	ErrConditionedOT = errors.New("OT coupling would pair noise with data across conditions: conditioned data need OT none")
	// ErrUnconditionedNet is conditioned data given to a network that
	// takes no conditioning.
	ErrUnconditionedNet = errors.New("network takes no conditioning")
	// ErrUnknownNetwork is a Config.Net that no RegisterNetwork call
	// registered.
	ErrUnknownNetwork = errors.New("unknown network")
)

// A FieldError is a Config field whose value the library cannot use.
type FieldError struct {
	// Field is the field's JSON name ("batch", "lr", "ot", ...).
	Field string
	// Want says what the field must be ("positive", "in [0, 1)", ...).
	Want string
	// Err is the cause, if any (such as ParseOT's error).
	Err error
}

// Error says which field is wrong and why.
func (e *FieldError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("%s must be %s", e.Field, e.Want)
}

// Unwrap returns the cause, or nil.
func (e *FieldError) Unwrap() error { return e.Err }

// WithDefaults fills zero fields and validates the result. Its errors are
// FieldErrors and the Err... values above, joined (errors.Join).
func (c Config) WithDefaults() (Config, error) {
	c.fillDefaults()
	var errs []error
	bad := func(ok bool, field, want string) {
		if !ok {
			errs = append(errs, &FieldError{Field: field, Want: want})
		}
	}
	bad(c.Steps >= 0, "steps", "non-negative")
	bad(c.Batch >= 1, "batch", "positive")
	bad(c.Hidden >= 1, "hidden", "positive")
	bad(c.TimeDim >= 1, "time_dim", "positive")
	bad(c.EvalEvery >= 1, "eval_every", "positive")
	bad(c.ValBatches >= 1, "val_batches", "positive")
	bad(c.Depth >= 2, "depth", "at least 2")
	bad(c.LR > 0, "lr", "positive")
	bad(c.WeightDecay >= 0, "weight_decay", "non-negative")
	bad(c.ClipNorm >= 0, "clip_norm", "non-negative")
	bad(c.EMA >= 0 && c.EMA < 1, "ema", "in [0, 1)")
	parsed := func(field string, err error) {
		if err != nil {
			errs = append(errs, &FieldError{Field: field, Err: err})
		}
	}
	_, err := ParseMethod(string(c.Method))
	parsed("method", err)
	_, err = ParseOT(string(c.OT))
	parsed("ot", err)
	_, err = ParseResampling(string(c.Resample))
	parsed("resample", err)
	if c.Method == Linear && c.OT != NoOT {
		errs = append(errs, ErrLinearOT)
	}
	switch c.Schedule {
	case "plateau", "cosine", "constant":
	default:
		parsed("schedule", fmt.Errorf("unknown schedule %q (choices: plateau, cosine, constant)", c.Schedule))
	}
	conditioned := c.Signal > 0 || c.Classes > 0
	if net, err := LookupNetwork(c.Net); err != nil {
		errs = append(errs, err)
	} else if conditioned && !net.Conditioned() {
		errs = append(errs, fmt.Errorf("%w: %q (conditioned networks: %s)", ErrUnconditionedNet, c.Net, strings.Join(conditionedNetworks(), " or ")))
	}
	bad(c.Channels >= 0, "channels", "non-negative")
	bad(c.Blocks >= 0, "blocks", "non-negative")
	bad(c.Signal >= 0, "signal", "non-negative")
	bad(c.Classes >= 0, "classes", "non-negative")
	bad(c.NoClass >= 0 && c.NoClass < 1, "no_class", "in [0, 1)")
	if conditioned && c.OT != NoOT {
		errs = append(errs, ErrConditionedOT)
	}
	return c, errors.Join(errs...)
}

// fillDefaults sets the zero fields to their defaults.
func (c *Config) fillDefaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Steps, 3000)
	def(&c.Batch, 512)
	def(&c.Hidden, 512)
	def(&c.Depth, 4)
	def(&c.TimeDim, 64)
	def(&c.EvalEvery, 196)
	def(&c.ValBatches, 10)
	if c.Method == "" {
		c.Method = FisherFlow
	}
	if c.OT == "" {
		c.OT = ExactOT
		if c.Method == Linear {
			c.OT = NoOT
		}
	}
	if c.Resample == "" {
		c.Resample = Replacement
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.ClipNorm == 0 {
		c.ClipNorm = 1
	}
	if c.Schedule == "" {
		c.Schedule = "plateau"
	}
	if c.Net == "" {
		c.Net = "bestmlp"
	}
	if c.Seed == 0 {
		c.Seed = 12345
	}
	if c.Classes > 0 && c.NoClass == 0 {
		c.NoClass = 0.1
	}
}
