// Reverse-mode automatic differentiation. Each op records its inputs and a closure that, given the gradient of
// its output, adds the gradients of its inputs (the chain rule: ∂L/∂x = Σ ∂L/∂y · ∂y/∂x). `backward()` orders the
// graph topologically once, then runs the closures from the loss back to the leaves.

public enum GradMode {
    /// False inside `Tensor.noGrad { … }`: ops then record nothing, as in inference or inside an optimizer step.
    @TaskLocal public static var isEnabled = true
}

extension Tensor {
    /// Runs `body` without recording any autograd graph (like `torch.no_grad()`).
    public static func noGrad<T>(_ body: () throws -> T) rethrows -> T {
        try GradMode.$isEnabled.withValue(false) { try body() }
    }

    /// Makes `output` the result of an op (public, so new ops can be written outside this module): records
    /// `inputs` and `backward` only when grad mode is on and an input needs
    /// a gradient, so inference builds no graph at all.
    public static func record(_ output: Tensor, inputs: [Tensor], backward: @escaping (Tensor) -> Void) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.requiresGrad = true
        output.inputs = inputs
        output.backwardFunction = backward
        return output
    }

    /// Adds `gradient` (same element count) into this tensor's `grad`. `owned` promises that nothing else holds
    /// `gradient` (a tensor the backward just made), so the first gradient can be adopted instead of copied.
    public func accumulateGrad(_ gradient: Tensor, owned: Bool = false) {
        precondition(gradient.count == count,
                     "accumulateGrad: gradient of shape \(gradient.shape) for a tensor of shape \(shape)")
        guard requiresGrad else { return }
        if let g = grad {
            let gp = g.pointer, dp = gradient.pointer
            Parallel.chunks(count) { r in for i in r { gp[i] += dp[i] } }
        } else if owned {
            grad = gradient.shape == shape ? gradient : Tensor(shape: shape, storage: gradient.storage)
        } else {
            let g = Tensor(uninitialized: shape)
            g.pointer.update(from: gradient.pointer, count: count)
            grad = g
        }
    }

    /// Backpropagates from this tensor. A scalar loss is seeded with 1; otherwise pass `gradient` (same shape).
    /// Gradients accumulate in the leaves' `grad`; intermediate gradients and the graph are freed afterwards.
    public func backward(_ gradient: Tensor? = nil) {
        precondition(requiresGrad, "backward: this tensor does not require a gradient (no parameter reaches it)")
        let seed = gradient ?? {
            precondition(count == 1, "backward: a loss of shape \(shape) needs an explicit gradient")
            return Tensor(repeating: 1, shape: shape)
        }()
        let order = topologicalOrder()
        accumulateGrad(seed)
        for node in order.reversed() {
            guard let backwardFunction = node.backwardFunction, let g = node.grad else { continue }
            backwardFunction(g)
            // The graph is used once: free it and intermediate gradients, as PyTorch does without retain_graph.
            node.backwardFunction = nil
            node.inputs = []
            node.grad = nil
        }
    }

    /// Nodes that lead to `self`, each after all of its inputs (iterative depth-first search, no recursion limit).
    func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: Tensor, expanded: Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            if !visited.insert(ObjectIdentifier(node)).inserted { continue }
            stack.append((node, true))
            for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }

    /// Forgets the accumulated gradient.
    public func zeroGrad() { grad = nil }
}

extension Sequence where Element == Tensor {
    /// Forgets the gradients of all these tensors (call before each training step's backward).
    public func zeroGrad() { for t in self { t.grad = nil } }
}
