// The 16-lane exp and erf against libm's, over the ranges training meets.
import XCTest
import Foundation
import Tensor

final class VectorMathTests: XCTestCase {
    func testExpMatchesLibm() {
        var worst: Float = 0
        for start in stride(from: -87.0, to: 88.0, by: 0.37) {
            let x = VectorMath.Vector((0..<16).map { Float(start) + Float($0) * 0.0231 })
            let y = VectorMath.exp(x)
            for i in 0..<16 {
                let expected = Foundation.exp(Double(x[i]))
                worst = max(worst, Float(abs(Double(y[i]) - expected) / expected))
            }
        }
        XCTAssertLessThan(worst, 3e-7, "worst relative error of the vector exp: \(worst)")
        let edges = VectorMath.exp(VectorMath.Vector([-Float.infinity, -200, 0, 200] + Array(repeating: 0, count: 12)))
        XCTAssertLessThan(edges[0], 1e-37); XCTAssertLessThan(edges[1], 1e-37)
        XCTAssertEqual(edges[2], 1)
        XCTAssertGreaterThan(edges[3], 1e38)
    }

    func testErfMatchesLibm() {
        var worst = 0.0
        for start in stride(from: -6.0, to: 6.0, by: 0.1) {
            let x = VectorMath.Vector((0..<16).map { Float(start) + Float($0) * 0.0063 })
            let y = VectorMath.erf(x)
            for i in 0..<16 { worst = max(worst, abs(Double(y[i]) - Foundation.erf(Double(x[i])))) }
        }
        // A&S 7.1.26's own bound is 1.5e-7; evaluating it in float32 adds a few ulps near 1 (ulp = 6e-8 there).
        XCTAssertLessThan(worst, 5e-7, "worst absolute error of the vector erf: \(worst)")
    }

    func testVectorActivationsMatchScalarDefinitions() {
        let xs = (0..<37).map { Float($0) * 0.31 - 5.5 }  // not a multiple of 16: exercises the partial tail
        let x = Tensor(xs, shape: [37])
        let cases: [(String, Tensor, (Float) -> Float)] = [
            ("exp", x.exp(), { Foundation.exp($0) }), ("gelu", x.gelu(), Activation.gelu),
            ("gelu tanh", x.gelu(approximate: true), Activation.geluTanh),
            ("silu", x.silu(), { $0 * Activation.sigmoid($0) }), ("sigmoid", x.sigmoid(), Activation.sigmoid),
        ]
        for (name, y, f) in cases {
            for i in 0..<37 {
                XCTAssertEqual(y.pointer[i], f(xs[i]), accuracy: 1e-6 * max(1, abs(f(xs[i]))), "\(name)(\(xs[i]))")
            }
        }
    }
}
