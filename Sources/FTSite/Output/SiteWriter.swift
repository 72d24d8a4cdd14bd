internal import Foundation

/// Writes a built site into its folder, touching only what changed: a file whose bytes are already
/// there is left alone (bytes and modification time), a changed or new file is written to a
/// temporary file and renamed over the old one (a web server never serves half a page), and a file
/// the previous build wrote that this build did not produce is deleted. Files the generator never
/// wrote are never touched: the list of its own files is kept in `.ft-manifest`.
struct SiteWriter {
    static let manifestName = ".ft-manifest"

    let directory: String
    /// Rewrite every file even when unchanged.
    let clean: Bool

    struct Outcome: Sendable, Equatable {
        var written: [String] = []
        var unchanged = 0
        var removed: [String] = []
    }

    func write(_ files: [String: Data], progress: (Int, Int) -> Void = { _, _ in }) throws -> Outcome {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SiteError.output(directory, reason: error.localizedDescription)
        }
        let previous = readManifest()
        var outcome = Outcome()
        var createdFolders = Set<String>()
        let paths = files.keys.sorted()
        for (number, path) in paths.enumerated() {
            guard let bytes = files[path] else { continue }
            let target = (directory as NSString).appendingPathComponent(path)
            if !clean, let existing = manager.contents(atPath: target), existing == bytes {
                outcome.unchanged += 1
            } else {
                let folder = (target as NSString).deletingLastPathComponent
                if !createdFolders.contains(folder) {
                    try? manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    createdFolders.insert(folder)
                }
                do {
                    try bytes.write(to: URL(fileURLWithPath: target), options: .atomic)
                } catch {
                    throw SiteError.output(target, reason: error.localizedDescription)
                }
                outcome.written.append(path)
            }
            if number % 500 == 0 { progress(number, paths.count) }
        }
        for path in previous.subtracting(files.keys).sorted() {
            let target = (directory as NSString).appendingPathComponent(path)
            if (try? manager.removeItem(atPath: target)) != nil {
                outcome.removed.append(path)
                removeEmptyFolders(above: target)
            }
        }
        let manifest = Data((paths.joined(separator: "\n") + "\n").utf8)
        let manifestPath = (directory as NSString).appendingPathComponent(Self.manifestName)
        if manager.contents(atPath: manifestPath) != manifest {
            do {
                try manifest.write(to: URL(fileURLWithPath: manifestPath), options: .atomic)
            } catch {
                throw SiteError.output(manifestPath, reason: error.localizedDescription)
            }
        }
        progress(paths.count, paths.count)
        return outcome
    }

    private func readManifest() -> Set<String> {
        let path = (directory as NSString).appendingPathComponent(Self.manifestName)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        // Only relative paths inside the folder: a tampered manifest cannot delete elsewhere.
        return Set(text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("/") && !$0.split(separator: "/").contains("..") && !$0.isEmpty })
    }

    private func removeEmptyFolders(above file: String) {
        var folder = (file as NSString).deletingLastPathComponent
        let root = (directory as NSString).standardizingPath
        while (folder as NSString).standardizingPath != root, folder.count > root.count {
            guard let contents = try? FileManager.default.contentsOfDirectory(atPath: folder), contents.isEmpty else { return }
            try? FileManager.default.removeItem(atPath: folder)
            folder = (folder as NSString).deletingLastPathComponent
        }
    }
}
