package fisherflow

// EstimateBytes returns about how much memory a run of cfg on data of
// positions x k takes with the network in precision ("f32" or "f64"), so
// that a caller can refuse up front what cannot fit. The network's own
// share comes from its Network.Size.
func EstimateBytes(cfg Config, positions, k int, precision string) (int64, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return 0, err
	}
	net, err := LookupNetwork(cfg.Net)
	if err != nil {
		return 0, err
	}
	sz := int64(4)
	if precision == "f64" {
		sz = 8
	}
	rows := net.Rows(cfg)
	n := int64(positions) * int64(k)
	b, mb := int64(cfg.Batch), int64(rows)
	batches := (int64(cfg.ValBatches) + 1) * b * (n*(4*8+3*sz) + int64(positions*cfg.Signal)*(8+sz))
	geo := mb*int64(positions)*16 + mb*n*8
	sampling := mb * n * (16 + 2*sz)
	var ot int64
	if cfg.OT != NoOT {
		ot = 4*b*b*8 + 3*b*n*8
	}
	params, acts := net.Size(cfg, positions, k, rows, sz)
	params *= 4*sz + 16 // weights, gradients, best, EMA; AdamW moments in float64
	return batches + geo + sampling + ot + params + acts, nil
}
