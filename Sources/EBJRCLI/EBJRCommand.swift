import ArgumentParser
import Foundation
import EBJR

/// The `ebjr` command-line tool: a root command with one subcommand per job.
@main
struct EBJRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ebjr",
        abstract: "Energy-based joint reasoning: train side and deep models, distill, route, evaluate, export.",
        version: toolkitVersion,
        subcommands: [TrainCommand.self, DistillCommand.self, LogitsCommand.self, InspectCommand.self, EvaluateCommand.self, RouteLogitsCommand.self, ConvertParamsCommand.self, ExportCommand.self, BenchCommand.self, ServeCommand.self]
    )
}

/// Runs `body`, turning toolkit errors into one line on standard error and exit code 1.
func runReportingErrors(_ body: () throws -> Void) throws {
    warnIfNotNativeBuild()
    do { try body() } catch let error as ExitCode { throw error } catch {
        FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
        throw ExitCode(1)
    }
}

/// Warns once, on standard error, when this binary was built without the native-CPU flags (`scripts/build.sh`).
func warnIfNotNativeBuild() {
    #if !EBJR_NATIVE_CPU
    FileHandle.standardError.write(Data("warning: ebjr was built without the native-CPU flags: numeric kernels run about 100x slower; build with scripts/build.sh\n".utf8))
    #endif
}
