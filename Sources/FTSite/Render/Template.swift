/// A parsed Mustache template: text, `{{name}}` (HTML-escaped), `{{{name}}}` and `{{&name}}` (raw),
/// sections `{{#name}}…{{/name}}`, inverted sections `{{^name}}…{{/name}}`, partials `{{> name}}`,
/// comments `{{! … }}`, dotted names and `{{.}}`. A tag alone on its line takes the line with it.
///
/// Not supported, and refused with an error that says so: delimiter changes, lambdas, and template
/// inheritance (`{{<`, `{{$`).
struct Template: Sendable {
    indirect enum Node: Sendable {
        case text(String)
        case variable(path: [String], escaped: Bool)
        case section(path: [String], inverted: Bool, body: [Node])
        case partial(name: String, line: Int)
    }

    /// The parsed template; `TemplateSet` links templates into steps for rendering.
    let nodes: [Node]

    /// A syntax error, with its 1-based position.
    struct ParseError: Error, Sendable {
        let line: Int
        let column: Int
        let reason: String
    }

    init(_ source: String) throws {
        var parser = TemplateParser(source: Array(source.utf8))
        nodes = try parser.parseAll()
    }

    /// The partials this template names, with the line of each.
    var partials: [(name: String, line: Int)] {
        var found: [(String, Int)] = []
        func walk(_ nodes: [Node]) {
            for node in nodes {
                switch node {
                case .partial(let name, let line): found.append((name, line))
                case .section(_, _, let body): walk(body)
                case .text, .variable: break
                }
            }
        }
        walk(nodes)
        return found
    }
}

/// Byte-level parser: the template text is UTF-8, and every delimiter is ASCII.
private struct TemplateParser {
    let source: [UInt8]
    var position = 0

    init(source: [UInt8]) {
        self.source = source
    }

    private enum Tag {
        case variable(String, escaped: Bool)
        case open(String, inverted: Bool)
        case close(String)
        case partial(String)
        case comment
    }

    mutating func parseAll() throws -> [Template.Node] {
        var stack: [(path: String, inverted: Bool, nodes: [Template.Node], line: Int, column: Int)] = [("", false, [], 0, 0)]
        var text: [UInt8] = []

        func flushText() {
            if !text.isEmpty {
                stack[stack.count - 1].nodes.append(.text(String(decoding: text, as: UTF8.self)))
                text.removeAll(keepingCapacity: true)
            }
        }

        while position < source.count {
            guard startsTag(at: position) else {
                text.append(source[position])
                position += 1
                continue
            }
            let tagStart = position
            let (line, column) = location(of: tagStart)
            let tag = try readTag(line: line, column: column)
            // A section, partial or comment tag alone on its line takes the whole line.
            let standalone: Bool
            switch tag {
            case .variable: standalone = false
            default: standalone = isStandalone(tagStart: tagStart, tagEnd: position)
            }
            if standalone {
                while let last = text.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { text.removeLast() }
                if position < source.count, source[position] == UInt8(ascii: "\r") { position += 1 }
                if position < source.count, source[position] == UInt8(ascii: "\n") { position += 1 }
            }
            flushText()
            switch tag {
            case .variable(let name, let escaped):
                stack[stack.count - 1].nodes.append(.variable(path: Self.path(name), escaped: escaped))
            case .open(let name, let inverted):
                stack.append((name, inverted, [], line, column))
            case .close(let name):
                guard stack.count > 1, let open = stack.last, open.path == name else {
                    let expected = stack.count > 1 ? "{{/\(stack[stack.count - 1].path)}}" : "no open section"
                    throw Template.ParseError(line: line, column: column, reason: "{{/\(name)}} closes nothing here (expected \(expected))")
                }
                stack.removeLast()
                stack[stack.count - 1].nodes.append(.section(path: Self.path(name), inverted: open.inverted, body: open.nodes))
            case .partial(let name):
                stack[stack.count - 1].nodes.append(.partial(name: name, line: line))
            case .comment:
                break
            }
        }
        flushText()
        if stack.count > 1, let open = stack.last {
            throw Template.ParseError(line: open.line, column: open.column, reason: "the section {{#\(open.path)}} is never closed")
        }
        return stack[0].nodes
    }

    private func startsTag(at index: Int) -> Bool {
        index + 1 < source.count && source[index] == UInt8(ascii: "{") && source[index + 1] == UInt8(ascii: "{")
    }

    private mutating func readTag(line: Int, column: Int) throws -> Tag {
        position += 2
        let triple = position < source.count && source[position] == UInt8(ascii: "{")
        if triple { position += 1 }
        let closing: [UInt8] = triple ? Array("}}}".utf8) : Array("}}".utf8)
        guard let end = find(closing, from: position) else {
            throw Template.ParseError(line: line, column: column, reason: "a tag opened with \(triple ? "{{{" : "{{") is never closed")
        }
        let inside = String(decoding: source[position..<end], as: UTF8.self)
        position = end + closing.count
        if triple {
            return .variable(try Self.name(inside.trimmed, line: line, column: column), escaped: false)
        }
        guard let sigil = inside.trimmed.first else {
            throw Template.ParseError(line: line, column: column, reason: "empty tag {{}}")
        }
        let rest = String(inside.trimmed.dropFirst()).trimmed
        switch sigil {
        case "!": return .comment
        case "#": return .open(try Self.name(rest, line: line, column: column), inverted: false)
        case "^": return .open(try Self.name(rest, line: line, column: column), inverted: true)
        case "/": return .close(try Self.name(rest, line: line, column: column))
        case ">": return .partial(try Self.name(rest, line: line, column: column))
        case "&": return .variable(try Self.name(rest, line: line, column: column), escaped: false)
        case "=", "<", "$":
            throw Template.ParseError(line: line, column: column, reason: "{{\(sigil)…}} (delimiter changes and template inheritance) is not supported")
        default: return .variable(try Self.name(inside.trimmed, line: line, column: column), escaped: true)
        }
    }

    private static func name(_ text: String, line: Int, column: Int) throws -> String {
        guard !text.isEmpty, !text.contains(where: { $0.isWhitespace || $0 == "{" || $0 == "}" }) else {
            throw Template.ParseError(line: line, column: column, reason: "'\(text)' is not a valid name")
        }
        return text
    }

    private static func path(_ name: String) -> [String] {
        name == "." ? ["."] : name.split(separator: ".").map(String.init)
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + needle.count <= source.count {
            if source[index] == needle[0] && source[index..<index + needle.count].elementsEqual(needle) { return index }
            // A tag does not span lines.
            if source[index] == UInt8(ascii: "\n") { return nil }
            index += 1
        }
        return nil
    }

    /// Whether only spaces or tabs stand between the line's start and the tag, and between the tag
    /// and the line's end.
    private func isStandalone(tagStart: Int, tagEnd: Int) -> Bool {
        var before = tagStart - 1
        while before >= 0, source[before] == UInt8(ascii: " ") || source[before] == UInt8(ascii: "\t") { before -= 1 }
        guard before < 0 || source[before] == UInt8(ascii: "\n") else { return false }
        var after = tagEnd
        while after < source.count, source[after] == UInt8(ascii: " ") || source[after] == UInt8(ascii: "\t") { after += 1 }
        return after == source.count || source[after] == UInt8(ascii: "\n") || source[after] == UInt8(ascii: "\r")
    }

    private func location(of index: Int) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for offset in 0..<index where source[offset] == UInt8(ascii: "\n") {
            line += 1
            lineStart = offset + 1
        }
        return (line, String(decoding: source[lineStart..<index], as: UTF8.self).count + 1)
    }
}

extension String {
    fileprivate var trimmed: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
