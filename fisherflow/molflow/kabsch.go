package molflow

import (
	"fmt"
	"math"
)

// Rotation is a 3x3 rotation matrix, row-major: a point p maps to R p.
type Rotation [3][3]float64

// Identity returns the rotation that leaves every point where it is.
func Identity() Rotation { return Rotation{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}} }

// Apply rotates the points of pos (rows of 3: x, y, z) in place.
func (R *Rotation) Apply(pos []float64) {
	for i := 0; i+3 <= len(pos); i += 3 {
		x, y, z := pos[i], pos[i+1], pos[i+2]
		for k := range 3 {
			pos[i+k] = R[k][0]*x + R[k][1]*y + R[k][2]*z
		}
	}
}

// Det returns the determinant of R (1 for a rotation, -1 for a
// reflection).
func (R *Rotation) Det() float64 {
	return R[0][0]*(R[1][1]*R[2][2]-R[1][2]*R[2][1]) -
		R[0][1]*(R[1][0]*R[2][2]-R[1][2]*R[2][0]) +
		R[0][2]*(R[1][0]*R[2][1]-R[1][1]*R[2][0])
}

// Kabsch returns the proper rotation R (det +1) that minimises
// sum_i |R p_i - q_i|^2 over the points p and q (rows of 3, the same
// count, both already centred by the caller).
//
// It solves the problem by Horn's quaternion form rather than by an SVD
// of the covariance: the optimal rotation is the unit quaternion of the
// largest eigenvalue of a symmetric 4x4 matrix built from the covariance,
// which a Jacobi sweep finds robustly. The quaternion is a rotation by
// construction, so a covariance with det < 0 (data that is a mirror image
// of the prior) gets the best proper rotation instead of a reflection, and
// degenerate inputs (coincident or collinear points, all of whose optimal
// rotations tie) get one of the optimal rotations, never NaN. Non-finite
// input gives the Identity.
func Kabsch(p, q []float64) (Rotation, error) {
	if len(p) != len(q) || len(p)%3 != 0 {
		return Identity(), fmt.Errorf("molflow.Kabsch: %d and %d coordinates are not two sets of the same number of 3D points", len(p), len(q))
	}
	// s[a][b] = sum_i p_i[a] q_i[b], the covariance of the two sets.
	var s [3][3]float64
	for i := 0; i < len(p); i += 3 {
		for a := range 3 {
			for b := range 3 {
				s[a][b] += p[i+a] * q[i+b]
			}
		}
	}
	n := hornMatrix(&s)
	for _, row := range n {
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Identity(), nil
			}
		}
	}
	vals, vecs := jacobi4(n)
	best := 0
	for k := 1; k < 4; k++ {
		if vals[k] > vals[best] {
			best = k
		}
	}
	var quat [4]float64
	for k := range 4 {
		quat[k] = vecs[k][best]
	}
	return quatRotation(quat), nil
}

// hornMatrix returns Horn's symmetric matrix N of the covariance s, whose
// quadratic form q^T N q is sum_i <R(q) p_i, q_i> for a unit quaternion q.
func hornMatrix(s *[3][3]float64) [4][4]float64 {
	xx, xy, xz := s[0][0], s[0][1], s[0][2]
	yx, yy, yz := s[1][0], s[1][1], s[1][2]
	zx, zy, zz := s[2][0], s[2][1], s[2][2]
	return [4][4]float64{
		{xx + yy + zz, yz - zy, zx - xz, xy - yx},
		{yz - zy, xx - yy - zz, xy + yx, zx + xz},
		{zx - xz, xy + yx, -xx + yy - zz, yz + zy},
		{xy - yx, zx + xz, yz + zy, -xx - yy + zz},
	}
}

// quatRotation returns the rotation matrix of the quaternion q (w, x, y,
// z), normalised first so that rounding in q cannot scale the result.
func quatRotation(q [4]float64) Rotation {
	nrm := math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3])
	if !(nrm > 0) {
		return Identity()
	}
	w, x, y, z := q[0]/nrm, q[1]/nrm, q[2]/nrm, q[3]/nrm
	return Rotation{
		{w*w + x*x - y*y - z*z, 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), w*w - x*x + y*y - z*z, 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), w*w - x*x - y*y + z*z},
	}
}

// jacobi4 returns the eigenvalues of the symmetric matrix a and its
// eigenvectors as the columns of v, by cyclic Jacobi rotations. Jacobi is
// chosen over a faster tridiagonal solver because it is a few lines, is
// accurate to the roundoff of each eigenvector's own scale, and handles
// repeated eigenvalues and the zero matrix without special cases.
func jacobi4(a [4][4]float64) ([4]float64, [4][4]float64) {
	v := [4][4]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}
	for sweep := 0; sweep < 64; sweep++ {
		off, diag := 0.0, 0.0
		for i := range 4 {
			diag += a[i][i] * a[i][i]
			for j := i + 1; j < 4; j++ {
				off += a[i][j] * a[i][j]
			}
		}
		// Stop once the off-diagonal part is below roundoff of the
		// diagonal (or exactly zero).
		if off == 0 || off <= 1e-36*diag {
			break
		}
		for p := 0; p < 3; p++ {
			for q := p + 1; q < 4; q++ {
				if a[p][q] == 0 {
					continue
				}
				jacobiRotate(&a, &v, p, q)
			}
		}
	}
	return [4]float64{a[0][0], a[1][1], a[2][2], a[3][3]}, v
}

// jacobiRotate applies the Jacobi rotation in the (p, q) plane that zeroes
// a[p][q], updating the eigenvector columns v (Numerical Recipes' form,
// with t the smaller root so that the rotation angle is at most pi/4).
func jacobiRotate(a, v *[4][4]float64, p, q int) {
	theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
	t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
	if theta < 0 {
		t = -t
	}
	if math.IsInf(theta, 0) {
		t = 1 / (2 * theta) // theta*theta overflowed: t -> 1/(2 theta)
	}
	c := 1 / math.Sqrt(t*t+1)
	s := t * c
	for k := range 4 {
		akp, akq := a[k][p], a[k][q]
		a[k][p], a[k][q] = c*akp-s*akq, s*akp+c*akq
	}
	for k := range 4 {
		apk, aqk := a[p][k], a[q][k]
		a[p][k], a[q][k] = c*apk-s*aqk, s*apk+c*aqk
	}
	for k := range 4 {
		vkp, vkq := v[k][p], v[k][q]
		v[k][p], v[k][q] = c*vkp-s*vkq, s*vkp+c*vkq
	}
}
