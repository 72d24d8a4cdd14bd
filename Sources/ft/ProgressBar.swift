import Foundation

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let title: String
    private let enabled: Bool
    private var lastDrawn = ""

    init(title: String) {
        self.title = title
        self.enabled = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
    }

    func update(label: String, done: Int, total: Int) {
        guard enabled else { return }
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\(title) \(label): \(bar) \(done)/\(total)"
        guard line != lastDrawn else { return }
        lastDrawn = line
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    func finish() {
        guard enabled, !lastDrawn.isEmpty else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        lastDrawn = ""
    }
}
