public import Foundation

/// Folders for tests, all under one folder per test process
/// (`$TMPDIR/ft-test-run-<pid>`), which is deleted when the process exits. A run that was killed
/// leaves its folder behind; the next run deletes the folders of processes that no longer exist.
/// Before this, every run left its databases, uploads and sites in `/tmp` (35 GB after a few
/// hundred runs).
public enum TestFolder {
    /// A new, empty folder named `prefix-<uuid>`.
    public static func make(_ prefix: String) throws -> String {
        let path = self.path(prefix)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A path under this run's folder that does not exist yet (the caller creates it).
    public static func path(_ prefix: String) -> String {
        "\(root)/\(prefix)-\(UUID().uuidString)"
    }

    /// This process's folder, made (and its cleanup registered) on first use.
    public static let root: String = {
        let temporary = NSTemporaryDirectory()
        removeAbandoned(in: temporary)
        let root = (temporary as NSString).appendingPathComponent("\(prefix)\(getpid())")
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestFolder.root) }
        return root
    }()

    private static let prefix = "ft-test-run-"

    /// Deletes the run folders whose process is gone.
    private static func removeAbandoned(in temporary: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: (temporary as NSString).appendingPathComponent(name))
            }
        }
    }
}
