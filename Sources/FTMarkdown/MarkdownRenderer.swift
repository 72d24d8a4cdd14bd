internal import CCmarkGFM
internal import Foundation
internal import Synchronization

/// GitHub-flavoured Markdown to HTML through cmark-gfm: tables, strikethrough, autolinks and the
/// tag filter. Raw HTML never passes through (cmark-gfm's safe default: it becomes a comment) and
/// `javascript:`/`data:` links lose their target, so the output is safe to embed for text written
/// by users. No C pointer leaves this type.
///
/// Calls are serialized: cmark-gfm keeps the inline parser's table of special characters in global
/// state that attaching an extension to a parser, and freeing that parser, change. Two threads
/// rendering at once made autolinks appear and disappear at random.
public struct MarkdownRenderer: Sendable {
    private static let extensionNames = ["table", "strikethrough", "autolink", "tagfilter"]
    private static let lock: Mutex<Bool> = {
        cmark_gfm_core_extensions_ensure_registered()
        return Mutex(true)
    }()

    /// Added to every heading's level (capped at 6), so that a document's headings fit under the
    /// page's own: with 2, `#` becomes `<h3>`.
    public let headingOffset: Int

    public init(headingOffset: Int = 0) {
        self.headingOffset = max(0, headingOffset)
    }

    /// The HTML for `markdown`.
    public func html(from markdown: String) -> String {
        Self.lock.withLock { _ in render(markdown) }
    }

    private func render(_ markdown: String) -> String {
        // A table column's alignment as `style="text-align: …"`: cmark-gfm's `align` attribute
        // is obsolete in HTML5 (the validator refuses it).
        let options = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE | CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES
        guard let parser = cmark_parser_new(options) else { return "" }
        defer { cmark_parser_free(parser) }
        for name in Self.extensionNames {
            if let syntaxExtension = cmark_find_syntax_extension(name) {
                cmark_parser_attach_syntax_extension(parser, syntaxExtension)
            }
        }
        var text = markdown
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                cmark_parser_feed(parser, chars.baseAddress, chars.count)
            }
        }
        guard let document = cmark_parser_finish(parser) else { return "" }
        defer { cmark_node_free(document) }
        if headingOffset > 0 { shiftHeadings(document) }
        guard let rendered = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else { return "" }
        defer { free(rendered) }
        return String(cString: rendered)
    }

    private func shiftHeadings(_ document: OpaquePointer) {
        guard let iterator = cmark_iter_new(document) else { return }
        defer { cmark_iter_free(iterator) }
        while case let event = cmark_iter_next(iterator), event != CMARK_EVENT_DONE {
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator),
                cmark_node_get_type(node) == CMARK_NODE_HEADING
            else { continue }
            cmark_node_set_heading_level(node, min(6, cmark_node_get_heading_level(node) + Int32(headingOffset)))
        }
    }
}
