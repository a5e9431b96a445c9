// Learning rate by step: linear warm-up from 0 to the peak, then cosine decay to a floor (Loshchilov & Hutter,
// 2017, without restarts), the schedule of GPT-style training:
//   step < warmup:          lr = peak · (step + 1) / warmup
//   warmup ≤ step ≤ total:  lr = floor + ½(1 + cos(π·progress))·(peak − floor),  progress = (step − warmup)/(total − warmup)
//   step > total:           lr = floor
import Foundation

public struct CosineSchedule: Sendable, Codable, Equatable {
    /// Peak learning rate, reached at the end of warm-up.
    public var peak: Float = 1e-3
    /// Final learning rate after decay.
    public var floor: Float = 1e-4
    /// Steps of linear warm-up.
    public var warmupSteps: Int = 100
    /// Step at which decay reaches `floor`.
    public var totalSteps: Int = 1000

    public init(peak: Float = 1e-3, floor: Float = 1e-4, warmupSteps: Int = 100, totalSteps: Int = 1000) {
        self.peak = peak; self.floor = floor; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps
    }

    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        if step > totalSteps || totalSteps <= warmupSteps { return floor }
        let progress = Double(step - warmupSteps) / Double(totalSteps - warmupSteps)
        return floor + Float(0.5 * (1 + Foundation.cos(Double.pi * progress))) * (peak - floor)
    }
}
