package kernels

// gemmGeneric is the reference: C is scaled by beta first, then each row of
// C accumulates alpha*op(A)[i,p] times row p of op(B). Arguments are checked
// and m, n > 0.
func gemmGeneric[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
	if alpha == 0 || k == 0 {
		return
	}
	// With B transposed, a row of op(B) is strided; gather it once per p.
	var bt []T
	if transB {
		bt = make([]T, n)
	}
	for p := 0; p < k; p++ {
		brow := bt
		if transB {
			for j := range bt {
				bt[j] = b[j*ldb+p]
			}
		} else {
			brow = b[p*ldb : p*ldb+n]
		}
		for i := 0; i < m; i++ {
			var aip T
			if transA {
				aip = a[p*lda+i]
			} else {
				aip = a[i*lda+p]
			}
			aip *= alpha
			row := c[i*ldc : i*ldc+n]
			for j, v := range brow {
				row[j] += aip * v
			}
		}
	}
}
