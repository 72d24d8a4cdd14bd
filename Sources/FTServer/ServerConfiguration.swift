public import Foundation

/// How `ft serve` runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The generated public site, served as static files.
    public var publicDirectory: String
    /// The most operations one push may carry.
    public var maximumBatch: Int
    /// How long a sign-in lasts.
    public var sessionLifetime: TimeInterval
    /// The largest document version accepted, in bytes.
    public var maximumUpload: Int
    /// The restricted pages (dashboard, reports), served under /admin/ to signed-in admins only;
    /// nil: no /admin/.
    public var adminDirectory: String?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, publicDirectory: String = "public", maximumBatch: Int = 1_000,
        sessionLifetime: TimeInterval = 7 * 86_400, maximumUpload: Int = 1 << 30, adminDirectory: String? = nil
    ) {
        self.adminDirectory = adminDirectory
        self.host = host
        self.port = port
        self.publicDirectory = publicDirectory
        self.maximumBatch = maximumBatch
        self.sessionLifetime = sessionLifetime
        self.maximumUpload = maximumUpload
    }

    /// The sync protocol this server speaks; a device that sends another is told to update.
    public static let protocolVersion = 1
}
