package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/seqio"
)

// configFlags maps a fisherflow.Config field (its JSON name) to the flag
// that sets it; the fields without one are set in a -config file.
var configFlags = map[string]string{
	"method": "-method", "ot": "-ot", "resample": "-resample", "steps": "-steps", "batch": "-batch", "lr": "-lr",
	"schedule": "-schedule", "ema": "-ema", "net": "-net", "hidden": "-hidden", "depth": "-depth",
	"channels": "-channels", "blocks": "-blocks", "eval_every": "-eval-every", "seed": "-seed",
}

// flagError is a library error restated in terms of the flags.
type flagError struct {
	msg string
	err error
}

func (e *flagError) Error() string { return e.msg }
func (e *flagError) Unwrap() error { return e.err }

// configError restates the errors of fisherflow.Config.WithDefaults (and
// of NewTrainer, which wraps them) with the flags of c that set the
// settings at fault; other errors pass unchanged.
func configError(c RunConfig, err error) error {
	if err == nil {
		return nil
	}
	parts := []error{err}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			parts = j.Unwrap()
			break
		}
	}
	var msgs []string
	changed := false
	for _, p := range parts {
		m, ok := configMessage(c, p)
		changed = changed || ok
		msgs = append(msgs, m)
	}
	if !changed {
		return err
	}
	return &flagError{msg: strings.Join(msgs, "\n"), err: err}
}

// configMessage is one error of WithDefaults in terms of flags, and
// whether it is one.
func configMessage(c RunConfig, err error) (string, bool) {
	var fe *fisherflow.FieldError
	switch {
	case errors.Is(err, fisherflow.ErrLinearOT):
		return "OT coupling is defined on the sphere: use -ot none with -method linear", true
	case errors.Is(err, fisherflow.ErrConditionedOT):
		return "OT coupling would pair noise with data across conditions: use -ot none with conditioned data", true
	case errors.Is(err, fisherflow.ErrUnconditionedNet):
		return fmt.Sprintf("-net %s takes no conditioning: use -net %s for data with a signal or classes", c.Train.Net, conditionedNets()), true
	case errors.Is(err, fisherflow.ErrUnknownNetwork):
		return "-net: " + err.Error(), true
	case errors.As(err, &fe):
		name, ok := configFlags[fe.Field]
		if !ok {
			name = "train." + fe.Field + " (in the -config file)"
		}
		if fe.Err != nil {
			return fmt.Sprintf("%s: %v", name, fe.Err), true
		}
		return fmt.Sprintf("%s must be %s", name, fe.Want), true
	}
	return err.Error(), false
}

// dataError adds to an error of seqio the flags that address it.
func dataError(err error) error {
	switch {
	case errors.Is(err, seqio.ErrRagged):
		return fmt.Errorf("%w (flags: -pad or -crop)", err)
	case errors.Is(err, seqio.ErrAmbiguous):
		return fmt.Errorf("%w (flags: -iupac mask or drop, or -alphabet ACGTN)", err)
	case errors.Is(err, seqio.ErrAlphabet), errors.Is(err, seqio.ErrAlphabetOption):
		return fmt.Errorf("%w (flag: -alphabet)", err)
	}
	return err
}

// conditionedNets names the registered networks that take a signal and
// class labels.
func conditionedNets() string {
	var names []string
	for _, name := range fisherflow.NetworkNames() {
		if net, err := fisherflow.LookupNetwork(name); err == nil && net.Conditioned() {
			names = append(names, name)
		}
	}
	return strings.Join(names, " or ")
}
