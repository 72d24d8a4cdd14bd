internal import Dispatch
internal import Foundation

/// Writes a built site into its folder, touching only what changed: a file whose bytes are already
/// there is left alone (bytes and modification time), a changed or new file is written to a
/// temporary file and renamed over the old one (a web server never serves half a page), and a file
/// the previous build wrote that this build did not produce is deleted. Files the generator never
/// wrote are never touched: the list of its own files is kept in `.ft-manifest`.
///
/// A folder that does not exist yet is built elsewhere and appears whole (`stageIfNew`): the files
/// go straight into a fresh hidden folder beside it (one `open`, `write`, `close` each: nobody can
/// see them half-written there), which `finish` renames into place.
///
/// `put` may be called from several threads at once; `finish` once, at the end (or `discard`
/// after a failure).
struct SiteWriter: Sendable {
    static let manifestName = ".ft-manifest"

    let directory: String
    /// Rewrite every file even when unchanged.
    let clean: Bool
    /// Where files are written during the build: `directory`, or the staging folder beside it.
    let root: String
    /// Whether `root` is a staging folder that `finish` renames to `directory`.
    var isStaged: Bool { root != directory }

    init(directory: String, clean: Bool, stageIfNew: Bool = false) throws {
        self.directory = directory
        self.clean = clean
        var info = stat()
        if stageIfNew, stat(directory, &info) != 0, errno == ENOENT {
            let parent = (directory as NSString).deletingLastPathComponent
            let name = (directory as NSString).lastPathComponent
            do {
                if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
            } catch {
                throw SiteError.output(directory, reason: error.localizedDescription)
            }
            Self.removeStaleStaging(in: parent.isEmpty ? "." : parent, prefix: ".\(name).ft-staging-")
            let staging = (parent.isEmpty ? "" : parent + "/") + ".\(name).ft-staging-\(UInt64.random(in: 0...UInt64.max))"
            // The mode FileManager would give the folder itself (0777 less the umask).
            guard mkdir(staging, 0o777) == 0 else { throw SiteError.output(staging, reason: String(cString: strerror(errno))) }
            root = staging
            return
        }
        root = directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SiteError.output(directory, reason: error.localizedDescription)
        }
    }

    /// Writes one file unless the same bytes are already there; returns whether it wrote.
    func put(_ path: String, _ bytes: Data) throws -> Bool {
        try bytes.withUnsafeBytes { try put(path, bytes: $0) }
    }

    /// Writes one file unless the same bytes are already there; returns whether it wrote.
    func put(_ path: String, bytes: UnsafeRawBufferPointer) throws -> Bool {
        let target = root + "/" + path
        if isStaged {
            try Self.create(target, with: bytes)
            return true
        }
        if !clean, Self.hasContents(target, equalTo: bytes) { return false }
        try Self.replace(target, with: bytes)
        return true
    }

    /// Deletes what the previous build wrote and this one did not, then records this build's
    /// files; a staged build is renamed into place. Returns the paths removed.
    func finish(paths: Set<String>) throws -> [String] {
        let manifest = Data((paths.sorted().joined(separator: "\n") + "\n").utf8)
        if isStaged {
            do {
                _ = try manifest.withUnsafeBytes { try Self.create(root + "/" + Self.manifestName, with: $0) }
                // rename(2) of a folder is atomic; it fails if `directory` appeared meanwhile and is not empty.
                guard rename(root, directory) == 0 else { throw SiteError.output(directory, reason: String(cString: strerror(errno))) }
            } catch {
                discard()
                throw error
            }
            return []
        }
        var removed: [String] = []
        for path in readManifest().subtracting(paths).sorted() {
            let target = directory + "/" + path
            if unlink(target) == 0 {
                removed.append(path)
                removeEmptyFolders(above: target)
            }
        }
        let manifestPath = directory + "/" + Self.manifestName
        if !manifest.withUnsafeBytes({ Self.hasContents(manifestPath, equalTo: $0) }) {
            try Self.replace(manifestPath, with: manifest)
        }
        return removed
    }

    /// Makes `folders` (relative paths) on a thread of its own, so that their files need no
    /// `mkdir` later; wait on the group before `finish`. A file whose folder is not made yet still
    /// finds it made (`create` makes missing folders; `mkdir` of an existing one is harmless).
    ///
    /// Not on Dispatch's global queue: its threads are as many as the cores, and this long job
    /// held one of them while the model, the cards and the first pages waited for it to run on
    /// every core (a full build's profile showed one worker until the folders were made).
    func makeFolders(_ folders: [String]) -> DispatchGroup {
        let group = DispatchGroup()
        let root = root
        group.enter()
        Thread {
            for folder in folders { Self.makeFolders(root + "/" + folder) }
            group.leave()
        }.start()
        return group
    }

    /// Staging folders of builds that died (killed, crashed) more than an hour ago: a live build
    /// takes seconds, and keeps its folder's time recent while it adds files to it.
    private static func removeStaleStaging(in parent: String, prefix: String) {
        // glob(3) rather than listing the folder in Swift: an output folder may sit in a big /tmp.
        let escaped = (parent + "/" + prefix).map { "*?[\\".contains($0) ? "\\" + String($0) : String($0) }.joined()
        var found = glob_t()
        defer { globfree(&found) }
        guard glob(escaped + "*", 0, nil, &found) == 0 else { return }
        let limit = Date().timeIntervalSince1970 - 3_600
        for index in 0..<Int(found.gl_pathc) {
            guard let pointer = found.gl_pathv[index] else { continue }
            let path = String(cString: pointer)
            var info = stat()
            if stat(path, &info) == 0, Double(info.st_mtim.tv_sec) < limit { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    /// After a failure: a staging folder is deleted (a build in place leaves what it wrote, each
    /// file whole).
    func discard() {
        if isStaged { try? FileManager.default.removeItem(atPath: root) }
    }

    /// Whether the file at `path` holds exactly `bytes` (a size check first, then the bytes).
    private static func hasContents(_ path: String, equalTo bytes: UnsafeRawBufferPointer) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_size == bytes.count else { return false }
        guard let data = FileManager.default.contents(atPath: path), data.count == bytes.count else { return false }
        return data.withUnsafeBytes { $0.elementsEqual(bytes) }
    }

    /// Writes `bytes` to a temporary file beside `target` and renames it over `target`: readers
    /// see the old file or the new one, never a part. No fsync: the site can always be rebuilt,
    /// and Foundation's `.atomic` writes (which sync) made a full build three times slower.
    static func replace(_ target: String, with bytes: Data) throws {
        try bytes.withUnsafeBytes { try replace(target, with: $0) }
    }

    static func replace(_ target: String, with bytes: UnsafeRawBufferPointer) throws {
        let folder = (target as NSString).deletingLastPathComponent
        let temporary = folder + "/.ft-\(UInt64.random(in: 0...UInt64.max)).tmp"
        try create(temporary, with: bytes)
        if rename(temporary, target) != 0 {
            let failure = errno
            unlink(temporary)
            throw SiteError.output(target, reason: String(cString: strerror(failure)))
        }
    }

    /// Writes `bytes` to a new file (`O_EXCL`), making its folders if needed; on failure the file
    /// is removed.
    private static func create(_ path: String, with bytes: UnsafeRawBufferPointer) throws {
        var descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if descriptor < 0 && errno == ENOENT {
            makeFolders((path as NSString).deletingLastPathComponent)
            descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else { throw SiteError.output(path, reason: String(cString: strerror(errno))) }
        var failure: Int32 = 0
        if let base = bytes.baseAddress {
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                offset += written
            }
        }
        if close(descriptor) != 0 && failure == 0 { failure = errno }
        if failure != 0 {
            unlink(path)
            throw SiteError.output(path, reason: String(cString: strerror(failure)))
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
