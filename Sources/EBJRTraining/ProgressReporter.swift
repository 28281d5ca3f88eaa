import Foundation

/// Progress of long work on standard error: a bar with rate and ETA on a terminal, plain lines (about every
/// 10%) in logs and CI.
public final class ProgressReporter {
    public let label: String
    public let total: Int
    public let unit: String
    private let start = Date()
    private var lastPrinted = Date.distantPast
    private var lastDecile = -1
    private let isTerminal: Bool
    private let isQuiet: Bool

    public init(label: String, total: Int, unit: String = "it", quiet: Bool = false) {
        self.label = label
        self.total = max(total, 1)
        self.unit = unit
        isQuiet = quiet
        isTerminal = isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["CI"] == nil
    }

    /// Reports `done` units finished, with an optional short status (e.g. the running loss).
    public func update(_ done: Int, status: String = "") {
        guard !isQuiet else { return }
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let fraction = Double(done) / Double(total)
        if isTerminal {
            let now = Date()
            guard now.timeIntervalSince(lastPrinted) > 0.1 || done == total else { return }
            lastPrinted = now
            let width = 28, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let line = String(format: "\r%@ %@ %3.0f%% %@/s ETA %@ %@", label, bar, fraction * 100,
                              Self.compact(rate), Self.duration(remaining), status)
            FileHandle.standardError.write(line.padding(toLength: max(line.count, 100), withPad: " ", startingAt: 0).data(using: .utf8)!)
            if done == total { FileHandle.standardError.write("\n".data(using: .utf8)!) }
        } else {
            let decile = Int(fraction * 10)
            guard decile != lastDecile else { return }
            lastDecile = decile
            let line = String(format: "%@ %3.0f%% (%d/%d %@, %@ %@/s, ETA %@) %@\n", label, fraction * 100, done, total, unit,
                              Self.compact(rate), unit, Self.duration(remaining), status)
            FileHandle.standardError.write(line.data(using: .utf8)!)
        }
    }

    static func compact(_ x: Double) -> String {
        x >= 1e6 ? String(format: "%.1fM", x / 1e6) : x >= 1e4 ? String(format: "%.1fk", x / 1e3) : String(format: "%.0f", x)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}

/// A plain log line on standard error.
public func logLine(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}
