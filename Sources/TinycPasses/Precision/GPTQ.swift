/// GPTQ (Frantar et al., ICLR 2023): rounds a weight row to a grid one element at a time and spreads
/// each element's rounding error over the elements not yet rounded, through the inverse of the
/// row's input second moments H = E[x xᵀ], so that the layer's output error E[(Δw · x)²] = Δwᵀ H Δw
/// stays small. Written from the paper's algorithm: H gets a small damping (1% of its mean
/// diagonal), U is the upper Cholesky factor of H⁻¹, and for j = 0, 1, …:
///     q_j = clamp(round(w_j / s)), e = (w_j − s·q_j) / U_jj, w_{j+1…} −= e · U_{j, j+1…}.
struct GPTQ {
    let k: Int
    let h: [Double]   // damped H, row-major
    let u: [Double]   // upper Cholesky factor of H⁻¹, row-major

    /// Nil when H is not positive definite even after damping (then plain rounding is used).
    init?(moments: [Double], k: Int) {
        self.k = k
        var h = moments
        let mean = (0..<k).reduce(0.0) { $0 + h[$1 * k + $1] } / Double(max(k, 1))
        let damp = max(0.01 * mean, 1e-12)
        for i in 0..<k { h[i * k + i] += damp }
        self.h = h
        guard let l = Self.cholesky(h, k) else { return nil }
        let inverse = Self.inverseFromCholesky(l, k)
        guard let li = Self.cholesky(inverse, k) else { return nil }
        var u = [Double](repeating: 0, count: k * k)
        for i in 0..<k { for j in 0..<k { u[i * k + j] = li[j * k + i] } }
        self.u = u
    }

    /// The integers q (|q| ≤ hi) for row `w` at scale `s`, and the proxy loss (w − s q)ᵀ H (w − s q).
    func quantize(_ w: [Double], scale s: Double, hi: Double) -> (q: [Int8], loss: Double) {
        var work = w
        var q = [Int8](repeating: 0, count: k)
        for j in 0..<k {
            let v = max(-hi, min(hi, (work[j] / s).rounded(.toNearestOrAwayFromZero)))
            q[j] = Int8(v)
            let e = (work[j] - s * v) / u[j * k + j]
            if e != 0 { for i in (j + 1)..<max(j + 1, k) { work[i] -= e * u[j * k + i] } }
        }
        var loss = 0.0
        let d = (0..<k).map { w[$0] - s * Double(q[$0]) }
        for i in 0..<k where d[i] != 0 {
            var row = 0.0
            for j in 0..<k { row += h[i * k + j] * d[j] }
            loss += d[i] * row
        }
        return (q, loss)
    }

    /// Lower triangular L with L Lᵀ = a, or nil if a is not positive definite.
    static func cholesky(_ a: [Double], _ n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for p in 0..<j { sum -= l[i * n + p] * l[j * n + p] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        return l
    }

    /// (L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹ from the lower Cholesky factor L.
    static func inverseFromCholesky(_ l: [Double], _ n: Int) -> [Double] {
        var li = [Double](repeating: 0, count: n * n)  // L⁻¹, lower triangular
        for j in 0..<n {
            li[j * n + j] = 1 / l[j * n + j]
            for i in (j + 1)..<max(j + 1, n) {
                var sum = 0.0
                for p in j..<i { sum -= l[i * n + p] * li[p * n + j] }
                li[i * n + j] = sum / l[i * n + i]
            }
        }
        var inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = 0.0
                for p in i..<n { sum += li[p * n + i] * li[p * n + j] }
                inv[i * n + j] = sum
                inv[j * n + i] = sum
            }
        }
        return inv
    }
}
