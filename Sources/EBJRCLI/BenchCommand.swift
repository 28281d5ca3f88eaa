import ArgumentParser
import Foundation
import EBJR

/// `ebjr bench`: the performance suite (release build), with PyTorch measured in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmark training, inference and GEMM against PyTorch.")
    func run() throws { throw ValidationError("not implemented yet") }
}
