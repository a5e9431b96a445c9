// TimeBudget: a training run given minutes instead of steps (`lmlab train --minutes`). The step count — and so where
// the cosine schedule ends — comes from measured wall time: a first guess 10 steps in, the plan at the end of warm-up
// (whose learning rates do not depend on the horizon), then a re-plan after each evaluation from the wall time per
// step since warm-up, evaluations and saves included, so the decay reaches the minimum learning rate when time is up.
// The clock has the last word: time up ends the run regardless (TrainingRun checks `isUp` after every step).
import Foundation

public struct TimeBudget: Sendable {
    /// Seconds the run may take, counted from `start`.
    public let seconds: Double
    public let start: Date
    /// The step of the first guess (10 steps in) and of the plan (the end of warm-up, or the guess if that is later).
    public let guessStep: Int, planStep: Int
    /// Where wall time per step is measured from: the guess, then the plan.
    var mark: (time: Date, step: Int)

    /// A budget of `seconds` for a run that starts (or resumes) at `firstStep` now.
    public init(seconds: Double, start: Date = Date(), firstStep: Int, warmupSteps: Int) {
        self.seconds = seconds
        self.start = start
        guessStep = firstStep + 10
        planStep = max(guessStep, warmupSteps)
        mark = (start, firstStep)
    }

    public var isUp: Bool { Date().timeIntervalSince(start) > seconds }

    /// After optimizer step `step`: the planned total when this step is the guess or the plan, else nil.
    /// `stepSeconds` is the step time summed since the run began (evaluations not included); `lastEvaluation` the
    /// seconds the latest evaluation took, spread over the `evalEvery` steps between evaluations.
    public mutating func afterStep(_ step: Int, stepSeconds: Double, lastEvaluation: Double, evalEvery: Int) -> Int? {
        guard step == guessStep || (step == planStep && planStep > guessStep) else { return nil }
        let perStep = (step == guessStep ? stepSeconds / 10 : wallSecondsPerStep(at: step)) + lastEvaluation / Double(evalEvery)
        let total = plan(at: step, secondsPerStep: perStep, lastEvaluation: lastEvaluation)
        mark = (Date(), step)
        return total
    }

    /// After an evaluation at `step` past the plan: the total re-planned from the wall time per step since the plan.
    public func afterEvaluation(_ step: Int, lastEvaluation: Double) -> Int? {
        guard step > planStep else { return nil }
        return plan(at: step, secondsPerStep: wallSecondsPerStep(at: step), lastEvaluation: lastEvaluation)
    }

    /// Wall-clock seconds per step since the mark: step time, evaluations and saves together.
    func wallSecondsPerStep(at step: Int) -> Double {
        Date().timeIntervalSince(mark.time) / Double(max(1, step - mark.step))
    }

    /// The steps that fit in the time left, keeping room for the final evaluation (at least one more step).
    func plan(at step: Int, secondsPerStep: Double, lastEvaluation: Double) -> Int {
        let remaining = seconds - Date().timeIntervalSince(start) - lastEvaluation
        return step + max(1, Int(remaining / max(secondsPerStep, 1e-9)))
    }
}
