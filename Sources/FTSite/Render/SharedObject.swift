internal import Synchronization

/// An object the templates show on many pages — an expert's card (a dozen listing and profile
/// pages), a listing's page links (every page of the listing), the locale's strings (every page).
/// A partial, or a list section's body, rendered with it on top of the stack is rendered once; later renderings reuse those bytes as long as every name the partial looked up
/// outside the object (such as `t` in `{{t.specialties}}`) still resolves to the same value:
/// the same shared object, equal text or flag, or nothing. A name that resolved outside to a list
/// or a plain object makes the partial be rendered every time.
final class SharedObject: Sendable {
    let fields: [String: TemplateValue]
    /// By the steps of the partial or section body: a few per object (a card shows in a listing's,
    /// the home page's and a profile's similar experts), so a list searched in order rather than
    /// a dictionary (hashing the key was most of a lookup, and a page makes dozens).
    private let fragments = Mutex<[(key: FragmentKey, fragment: Fragment)]>([])

    init(_ fields: [String: TemplateValue]) {
        self.fields = fields
    }

    /// What a name resolved to, compared cheaply.
    enum Resolution: Sendable, Equatable {
        case missing
        case text(String)
        case flag(Bool)
        case shared(SharedObject)

        init?(_ value: TemplateValue?) {
            switch value {
            case nil: self = .missing
            case .text(let text): self = .text(text)
            case .flag(let flag): self = .flag(flag)
            case .shared(let object): self = .shared(object)
            case .list, .object: return nil
            }
        }

        static func == (a: Resolution, b: Resolution) -> Bool {
            switch (a, b) {
            case (.missing, .missing): true
            case (.text(let x), .text(let y)): x == y
            case (.flag(let x), .flag(let y)): x == y
            case (.shared(let x), .shared(let y)): x === y
            default: false
            }
        }
    }

    /// A partial's or section body's steps in a `TemplateSet`.
    struct FragmentKey: Hashable, Sendable {
        let set: ObjectIdentifier
        let start: Int32
        let end: Int32
    }

    /// A partial's bytes with this object on top (nil: not reusable), and the names it read outside.
    struct Fragment: Sendable {
        let bytes: [UInt8]?
        let outside: [(name: String, value: Resolution)]
        /// Kept alive, so that its identity (in the key) is never another set's.
        let set: TemplateSet
    }

    func fragment(for key: FragmentKey) -> Fragment? {
        fragments.withLock { entries in entries.first { $0.key == key }?.fragment }
    }

    /// Keeps `fragment` unless one is already kept for `key` (the first stays).
    func remember(_ fragment: Fragment, for key: FragmentKey) {
        fragments.withLock { entries in
            if !entries.contains(where: { $0.key == key }) { entries.append((key, fragment)) }
        }
    }
}
