/// Templates linked for rendering: the nodes of every template flattened into one list of plain
/// steps, each name split into its parts once, and each partial resolved to where its steps are.
///
/// Rendering walks the steps through unsafe buffers: no node, name or text is copied (retained and
/// released) per step, and no partial is looked up by name (a full build renders 11,000 pages from
/// the same templates on every core, and the reference counts of shared nodes were a fifth of it).
final class TemplateSet: Sendable {
    /// One step: text, a variable, a section (its body is the steps up to `end`), or a partial.
    struct Step: Sendable {
        enum Operation: UInt8, Sendable {
            /// `start..<end` of `text`.
            case text
            /// The name `names[start..<end]`; `flag`: escaped.
            case variable
            /// The name `names[start..<end]`; the body is the steps after this one up to `next`;
            /// `flag`: inverted.
            case section
            /// The partial's steps are `start..<end`; an unknown partial (`start == end`) shows nothing.
            case partial
        }

        var operation: Operation
        var flag: Bool
        var start: Int32
        var end: Int32
        /// For a section: the step after its body.
        var next: Int32
    }

    let steps: [Step]
    let text: [UInt8]
    /// The parts of every name, side by side (`{{.}}` is no part at all).
    let names: [String]
    /// Each template's steps.
    let entries: [String: Range<Int>]

    init(_ templates: [String: Template]) {
        var builder = Builder()
        // Every template's place first, so that partials can point to ones linked later.
        var entries: [String: Range<Int>] = [:]
        var placeholders: [(step: Int, name: String)] = []
        for name in templates.keys.sorted() {
            guard let template = templates[name] else { continue }
            let start = builder.steps.count
            builder.append(template.nodes, placeholders: &placeholders)
            entries[name] = start..<builder.steps.count
        }
        for (step, name) in placeholders {
            if let range = entries[name] {
                builder.steps[step].start = Int32(range.lowerBound)
                builder.steps[step].end = Int32(range.upperBound)
            }
        }
        steps = builder.steps
        text = builder.text
        names = builder.names
        self.entries = entries
    }

    private struct Builder {
        var steps: [Step] = []
        var text: [UInt8] = []
        var names: [String] = []

        mutating func append(_ nodes: [Template.Node], placeholders: inout [(step: Int, name: String)]) {
            for node in nodes {
                switch node {
                case .text(let string):
                    let start = text.count
                    text.append(contentsOf: string.utf8)
                    steps.append(Step(operation: .text, flag: false, start: Int32(start), end: Int32(text.count), next: 0))
                case .variable(let path, let escaped):
                    let (start, end) = name(path)
                    steps.append(Step(operation: .variable, flag: escaped, start: start, end: end, next: 0))
                case .section(let path, let inverted, let body):
                    let (start, end) = name(path)
                    let at = steps.count
                    steps.append(Step(operation: .section, flag: inverted, start: start, end: end, next: 0))
                    append(body, placeholders: &placeholders)
                    steps[at].next = Int32(steps.count)
                case .partial(let name, _):
                    placeholders.append((steps.count, name))
                    steps.append(Step(operation: .partial, flag: false, start: 0, end: 0, next: 0))
                }
            }
        }

        private mutating func name(_ path: [String]) -> (Int32, Int32) {
            let start = names.count
            if path != ["."] { names.append(contentsOf: path) }
            return (Int32(start), Int32(names.count))
        }
    }

    /// Renders the template `name` into UTF-8 bytes with `context` at the bottom of the lookup
    /// stack; nil if there is no such template. With `reusingFragments`, a partial or a list
    /// section's body rendered with a `SharedObject` on top is rendered once and its bytes reused
    /// (see `SharedObject`).
    func renderBytes(_ name: String, context: TemplateValue, reusingFragments: Bool = false, capacity: Int = 64 * 1_024) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(capacity)
        return render(name, context: context, reusingFragments: reusingFragments, into: &output) ? output : nil
    }

    /// Renders the template `name` after the bytes already in `output` (a buffer reused from page
    /// to page); false if there is no such template.
    func render(_ name: String, context: TemplateValue, reusingFragments: Bool = false, into output: inout [UInt8]) -> Bool {
        guard let range = entries[name] else { return false }
        steps.withUnsafeBufferPointer { steps in
            text.withUnsafeBufferPointer { text in
                names.withUnsafeBufferPointer { names in
                    var renderer = TemplateRenderer(
                        steps: steps, text: text, names: names, set: self, stack: [context], reusingFragments: reusingFragments
                    )
                    swap(&renderer.output, &output)
                    renderer.render(range.lowerBound, range.upperBound)
                    swap(&renderer.output, &output)
                }
            }
        }
        return true
    }

    /// Renders the template `name` into a string ("" if there is no such template).
    func render(_ name: String, context: TemplateValue) -> String {
        String(decoding: renderBytes(name, context: context, capacity: 4_096) ?? [], as: UTF8.self)
    }
}
