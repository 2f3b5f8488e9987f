package kernels

// genericOps returns the reference implementation of every kernel.
func genericOps[T float32 | float64]() *ops[T] {
	return &ops[T]{
		sqrt:    sqrtGeneric[T],
		square:  squareGeneric[T],
		acos:    acosGeneric[T],
		atan2:   atan2Generic[T],
		sin:     sinGeneric[T],
		cos:     cosGeneric[T],
		exp:     expGeneric[T],
		sigmoid: sigmoidGeneric[T],
		log:     logGeneric[T],

		dot:   dotGeneric[T],
		axpy:  axpyGeneric[T],
		dot4:  dot4Of(dotGeneric[T]),
		axpy4: axpy4Of(axpyGeneric[T]),
		scale: scaleGeneric[T],
		sum:   sumGeneric[T],
		norm2: norm2Generic[T],

		scaleNeg: scaleNegGeneric[T],
		adamW:    adamWGeneric[T],

		colSums:    newColSums(axpyGeneric[T]),
		moments:    momentsGeneric[T],
		colMoments: colMomentsGeneric[T],
		scaleShift: scaleShiftGeneric[T],

		toSphere:  toSphereGeneric[T],
		toSimplex: toSimplexGeneric[T],

		sphereDist:         sphereDistGeneric[T],
		slerp:              slerpGeneric[T],
		logMap:             logMapGeneric[T],
		expMap:             expMapGeneric[T],
		projectTangent:     projectTangentGeneric[T],
		pairwiseSphereDist: pairwiseSphereDistGeneric[T],

		gemm: gemmGeneric[T],
		conv: func(op int, s ConvShape, out, a, b, bias []T, beta T) {
			convTaps(gemmGeneric[T], scaleGeneric[T], op, s, out, a, b, bias, beta)
		},
	}
}
