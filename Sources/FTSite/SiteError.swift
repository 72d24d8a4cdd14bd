/// Why a site build failed. Nothing is written when one of these is thrown before the write phase.
public struct SiteError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The template file concerned, when there is one.
    public let file: String?
    /// 1-based line in `file`.
    public let line: Int?

    private init(_ description: String, file: String? = nil, line: Int? = nil) {
        self.description = description
        self.file = file
        self.line = line
    }

    public static func template(file: String, line: Int, column: Int, reason: String) -> SiteError {
        SiteError("template error in \(file) at line \(line), column \(column): \(reason); nothing was written", file: file, line: line)
    }

    public static func missingTemplate(_ name: String, directory: String) -> SiteError {
        SiteError("the template \(name).mustache is missing from \(directory); nothing was written", file: "\(name).mustache")
    }

    public static func missingPartial(_ name: String, file: String, line: Int) -> SiteError {
        SiteError("template error in \(file) at line \(line): the partial '\(name)' does not exist (no \(name).mustache); nothing was written", file: file, line: line)
    }

    public static func unreadable(_ path: String, reason: String) -> SiteError {
        SiteError("cannot read \(path): \(reason); nothing was written", file: path)
    }

    public static func output(_ path: String, reason: String) -> SiteError {
        SiteError("cannot write \(path): \(reason)", file: path)
    }
}
