import FTSync
import Testing

@Suite struct TextLimitsTests {
    @Test func aNULIsFoundAnywhere() {
        #expect(!"".containsNUL)
        #expect(!"bonjour, été".containsNUL)
        #expect("\u{0}".containsNUL)
        #expect("avant\u{0}après".containsNUL)
        #expect((String(repeating: "x", count: 3 << 20) + "\u{0}").containsNUL)
    }

    /// Characters, not bytes: "é" is two bytes and one character, a flag is eight bytes.
    @Test func charactersAreCountedNotBytes() {
        #expect(!"abc".hasMoreCharacters(than: 3))
        #expect("abcd".hasMoreCharacters(than: 3))
        #expect(!"ééé".hasMoreCharacters(than: 3))
        #expect(!"🇫🇷🇫🇷".hasMoreCharacters(than: 2))
        #expect("🇫🇷🇫🇷🇫🇷".hasMoreCharacters(than: 2))
        #expect(!"".hasMoreCharacters(than: 0))
        #expect("a".hasMoreCharacters(than: 0))
        #expect(String(repeating: "e\u{301}", count: 20_001).hasMoreCharacters(than: 20_000))
        #expect(!String(repeating: "e\u{301}", count: 20_000).hasMoreCharacters(than: 20_000))
    }
}
