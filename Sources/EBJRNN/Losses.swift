import Foundation
import EBJRTensor

/// Loss functions, composed from differentiable primitives.
public enum Losses {
    /// Mean cross-entropy from logits: `L = −(1/N) Σ_n log softmax(z_n)[y_n]`.
    public static func crossEntropy(logits: Tensor, labels: [Int]) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                     "crossEntropy: logits \(logits.shape) and \(labels.count) labels")
        return logits.softmaxCrossEntropy(labels: labels)
    }

    /// Temperature-scaled distillation divergence (Hinton et al. 2015):
    /// `T² · (1/N) Σ_n KL(softmax(t_n/T) ‖ softmax(s_n/T))`, with teacher logits `t` a constant.
    public static func distillationKL(student: Tensor, teacher: Tensor, temperature: Float) -> Tensor {
        precondition(student.shape == teacher.shape, "distillationKL: student \(student.shape) vs teacher \(teacher.shape)")
        precondition(temperature > 0, "distillationKL: temperature must be positive, got \(temperature)")
        let n = Float(student.shape[0])
        let teacherLogProbs = noGrad { (teacher.detached() * (1 / temperature)).logSoftmax() }
        let teacherProbs = teacherLogProbs.mapValues { $0.isFinite ? Float.exp($0) : 0 }
        let studentLogProbs = (student * (1 / temperature)).logSoftmax()
        // Σ p (log p − log q); the p·log p term is a constant but kept so the value is the true KL.
        let plogp = teacherLogProbs.zipForKL(teacherProbs)
        let cross = (teacherProbs * studentLogProbs).sum()
        return (Tensor(scalar: plogp) - cross) * (temperature * temperature / n)
    }

    /// The distillation objective of docs/method.md §4:
    /// `α · T² · KL(softmax(t/T) ‖ softmax(s/T)) + (1 − α) · CE(s, y)`. With `α = 1` no labels are needed.
    public static func distillation(student: Tensor, teacher: Tensor?, labels: [Int]?, alpha: Float,
                                    temperature: Float) -> Tensor {
        var terms: [Tensor] = []
        if alpha > 0 {
            guard let teacher else { preconditionFailure("distillation: α = \(alpha) > 0 needs teacher logits") }
            terms.append(distillationKL(student: student, teacher: teacher, temperature: temperature) * alpha)
        }
        if alpha < 1 {
            guard let labels else { preconditionFailure("distillation: α = \(alpha) < 1 needs labels") }
            terms.append(crossEntropy(logits: student, labels: labels) * (1 - alpha))
        }
        return terms.dropFirst().reduce(terms[0], +)
    }
}

extension Tensor {
    /// `Σ p·log p` over all entries, treating `0·log 0` as 0.
    fileprivate func zipForKL(_ probs: Tensor) -> Float {
        var total: Float = 0
        for i in 0..<count where probs.data[i] > 0 { total += probs.data[i] * data[i] }
        return total
    }
}

extension Float {
    fileprivate static func exp(_ x: Float) -> Float { Foundation.exp(x) }
}
