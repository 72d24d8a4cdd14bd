internal import Foundation

/// Writes a built site into its folder, touching only what changed: a file whose bytes are already
/// there is left alone (bytes and modification time), a changed or new file is written to a
/// temporary file and renamed over the old one (a web server never serves half a page), and a file
/// the previous build wrote that this build did not produce is deleted. Files the generator never
/// wrote are never touched: the list of its own files is kept in `.ft-manifest`.
///
/// `put` may be called from several threads at once; `finish` once, at the end.
struct SiteWriter: Sendable {
    static let manifestName = ".ft-manifest"

    let directory: String
    /// Rewrite every file even when unchanged.
    let clean: Bool

    init(directory: String, clean: Bool) throws {
        self.directory = directory
        self.clean = clean
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SiteError.output(directory, reason: error.localizedDescription)
        }
    }

    /// Writes one file unless the same bytes are already there; returns whether it wrote.
    func put(_ path: String, _ bytes: Data) throws -> Bool {
        let target = directory + "/" + path
        if !clean, Self.hasContents(target, equalTo: bytes) { return false }
        try Self.replace(target, with: bytes)
        return true
    }

    /// Deletes what the previous build wrote and this one did not, then records this build's files.
    func finish(paths: Set<String>) throws -> [String] {
        var removed: [String] = []
        for path in readManifest().subtracting(paths).sorted() {
            let target = directory + "/" + path
            if unlink(target) == 0 {
                removed.append(path)
                removeEmptyFolders(above: target)
            }
        }
        let manifest = Data((paths.sorted().joined(separator: "\n") + "\n").utf8)
        let manifestPath = directory + "/" + Self.manifestName
        if !Self.hasContents(manifestPath, equalTo: manifest) {
            try Self.replace(manifestPath, with: manifest)
        }
        return removed
    }

    /// Whether the file at `path` holds exactly `bytes` (a size check first, then the bytes).
    private static func hasContents(_ path: String, equalTo bytes: Data) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_size == bytes.count else { return false }
        return FileManager.default.contents(atPath: path) == bytes
    }

    /// Writes `bytes` to a temporary file beside `target` and renames it over `target`: readers
    /// see the old file or the new one, never a part. No fsync: the site can always be rebuilt,
    /// and Foundation's `.atomic` writes (which sync) made a full build three times slower.
    static func replace(_ target: String, with bytes: Data) throws {
        let folder = (target as NSString).deletingLastPathComponent
        let temporary = folder + "/.ft-\(UInt64.random(in: 0...UInt64.max)).tmp"
        var descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if descriptor < 0 && errno == ENOENT {
            makeFolders(folder)
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else { throw SiteError.output(target, reason: String(cString: strerror(errno))) }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if close(descriptor) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, target) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw SiteError.output(target, reason: String(cString: strerror(failure)))
        }
    }

    /// `mkdir -p`; another thread creating the same folder is fine.
    private static func makeFolders(_ folder: String) {
        if mkdir(folder, 0o755) == 0 || errno == EEXIST { return }
        makeFolders((folder as NSString).deletingLastPathComponent)
        _ = mkdir(folder, 0o755)
    }

    private func readManifest() -> Set<String> {
        let path = directory + "/" + Self.manifestName
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        // Only relative paths inside the folder: a tampered manifest cannot delete elsewhere.
        return Set(text.split(separator: "\n").map(String.init).filter {
            !$0.isEmpty && !$0.hasPrefix("/") && !$0.split(separator: "/").contains("..")
        })
    }

    private func removeEmptyFolders(above file: String) {
        var folder = (file as NSString).deletingLastPathComponent
        let root = (directory as NSString).standardizingPath
        while (folder as NSString).standardizingPath != root, folder.count > root.count {
            guard rmdir(folder) == 0 else { return }
            folder = (folder as NSString).deletingLastPathComponent
        }
    }
}
