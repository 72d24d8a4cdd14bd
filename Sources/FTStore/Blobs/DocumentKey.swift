internal import Crypto
public import Foundation

/// The key that encrypts stored documents (AES-256-GCM). It lives outside the database and outside
/// git: in `FT_DOCUMENT_KEY` (base64 of 32 bytes) or in a key file holding the same text, made by
/// `ft keygen`.
public struct DocumentKey: Sendable {
    let key: SymmetricKey

    /// The environment variable read before any key file.
    public static let environmentVariable = "FT_DOCUMENT_KEY"

    public enum LoadError: Error, CustomStringConvertible, Equatable {
        case missing(file: String)
        case malformed(source: String)
        case unreadable(file: String, reason: String)

        public var description: String {
            switch self {
            case .missing(let file):
                "no document key: set \(DocumentKey.environmentVariable) (base64 of 32 bytes) or create the key file \(file) with `ft keygen`"
            case .malformed(let source):
                "the document key in \(source) is not base64 of 32 bytes"
            case .unreadable(let file, let reason):
                "cannot read the document key file \(file): \(reason)"
            }
        }
    }

    init(_ key: SymmetricKey) {
        self.key = key
    }

    /// A new random key, as the text to store (base64).
    public static func generate() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// Parses the base64 text of a key.
    public static func parse(_ text: String, source: String) throws -> DocumentKey {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw LoadError.malformed(source: source)
        }
        return DocumentKey(SymmetricKey(data: data))
    }

    /// The key from the environment if set, else from `file`.
    public static func load(file: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DocumentKey {
        if let text = environment[environmentVariable], !text.isEmpty {
            return try parse(text, source: environmentVariable)
        }
        guard FileManager.default.fileExists(atPath: file) else { throw LoadError.missing(file: file) }
        do {
            return try parse(try String(contentsOfFile: file, encoding: .utf8), source: file)
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError.unreadable(file: file, reason: error.localizedDescription)
        }
    }
}
