/// A value a template shows: text (escaped by `{{name}}`, raw by `{{{name}}}`), a flag, a list to
/// repeat a section over, or an object whose keys the template names.
///
/// Typed on purpose: the renderer never casts `Any`, which is what made a general-purpose Mustache
/// library spend most of a build in the Swift runtime's dynamic casts.
enum TemplateValue: Sendable {
    case text(String)
    case flag(Bool)
    case list([TemplateValue])
    case object([String: TemplateValue])
    /// An object shown on many pages, whose partials' bytes are remembered (`SharedObject`).
    case shared(SharedObject)

    /// Whether a section `{{#name}}` shows: non-empty text, `true`, a non-empty list, any object.
    var isTruthy: Bool {
        switch self {
        case .text(let text): !text.isEmpty
        case .flag(let flag): flag
        case .list(let items): !items.isEmpty
        case .object, .shared: true
        }
    }

    subscript(key: String) -> TemplateValue? {
        switch self {
        case .object(let fields): fields[key]
        case .shared(let object): object.fields[key]
        case .text, .flag, .list: nil
        }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    init(stringLiteral value: String) { self = .text(value) }
    init(booleanLiteral value: Bool) { self = .flag(value) }
    init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
