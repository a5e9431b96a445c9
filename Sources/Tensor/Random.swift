// One explicit, seeded random-number generator for all of lmlab: xoshiro256** (Blackman & Vigna, 2018), seeded
// through SplitMix64 as its authors recommend. Pure integer arithmetic, so a seed gives the same numbers on every
// machine; the state is four words that a checkpoint can save for an exact resume.

public struct RandomGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    public var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The SplitMix64 sequence (Steele, Lea & Flood, 2014), used to spread one seed over four words of state.
    public static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public init(seed: UInt64) {
        var x = seed
        s0 = Self.splitMix64(&x); s1 = Self.splitMix64(&x)
        s2 = Self.splitMix64(&x); s3 = Self.splitMix64(&x)
    }

    @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1): the top 24 bits, so every value is an exact Float.
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform integer in 0..<bound (Lemire's multiply-shift; the bias is below 2⁻⁶⁴·bound).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "RandomGenerator.nextInt: bound \(bound) must be positive")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Standard normal by Box–Muller: z = √(−2 ln u₁)·cos(2π u₂), computed in Double for accuracy.
    public mutating func nextNormal() -> Float {
        let u1 = 1 - nextDouble()  // in (0, 1], so the log is finite
        let u2 = nextDouble()
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
