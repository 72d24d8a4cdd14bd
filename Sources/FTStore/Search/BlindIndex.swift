internal import Crypto
public import Foundation

/// Search in documents without storing their words: each word of a document becomes a keyed hash
/// (HMAC-SHA-256 under a key derived from the document key, cut to 16 bytes), and a search hashes
/// its words the same way. The database holds no text of a document, only these terms; without
/// the key they are noise, and a different key finds nothing.
///
/// Words are cut at anything that is not a letter or a digit, folded (case and accents:
/// "Crédit" = "credit"), and indexed whole and by their prefixes of 3 characters or more, so a
/// search word matches the words it begins ("eligib" finds "éligible"). What it cannot do: phrases,
/// words inside words, typo tolerance, ranking by relevance, or showing a passage of the text.
public struct BlindIndex: Sendable {
    /// HMAC keyed once: each term copies it (keying took a third of the indexer's hashing).
    private let keyed: HMAC<SHA256>
    /// The shortest prefix indexed; shorter words are indexed whole only.
    static let shortestPrefix = 3
    /// The longest word indexed (longer ones are cut): no document grows the index without bound.
    static let longestWord = 40

    public init(documentKey: DocumentKey) {
        let derived = HMAC<SHA256>.authenticationCode(for: Data("financialtracker document search v1".utf8), using: documentKey.key)
        keyed = HMAC<SHA256>(key: SymmetricKey(data: Data(derived)))
    }

    /// The words of `text`, folded, in order (with repeats).
    static func words(_ text: String) -> [String] {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .split { !($0.isLetter || $0.isNumber) }
            .map { String($0.prefix(longestWord)) }
    }

    func term(_ word: String) -> Data {
        var hmac = keyed
        hmac.update(data: Data(word.utf8))
        return Data(hmac.finalize().prefix(16))
    }

    /// Every term of `text`: each word whole, and its prefixes from `shortestPrefix` characters.
    public func terms(of text: String) -> Set<Data> {
        var prefixes: Set<String> = []
        for word in Self.words(text) {
            prefixes.insert(word)
            guard word.count > Self.shortestPrefix else { continue }
            var prefix = ""
            for (index, character) in word.enumerated() {
                prefix.append(character)
                if index + 1 >= Self.shortestPrefix { prefixes.insert(prefix) }
            }
        }
        return Set(prefixes.map(term))
    }

    /// The terms a search for `query` needs, one per distinct word; empty when it has no word.
    public func searchTerms(_ query: String) -> [Data] {
        Array(Set(Self.words(query))).sorted().map(term)
    }
}
