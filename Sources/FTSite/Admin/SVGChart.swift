internal import Foundation
internal import FTModel

/// Charts as inline SVG, drawn in Swift: readable without JavaScript, with a title and a text
/// description for screen readers (`role="img"`, `aria-labelledby`), and every label escaped.
/// The numbers are also in a table next to each chart.
enum SVGChart {
    struct Bar {
        var label: String
        var value: Double
        /// How the value reads (already formatted).
        var text: String
    }

    /// Horizontal bars, one per item, scaled to the largest value.
    static func bars(id: String, title: String, description: String, items: [Bar], width: Int = 560) -> String {
        let rowHeight = 28
        let labelWidth = 190
        let valueWidth = 110
        let height = max(1, items.count) * rowHeight + 8
        let largest = max(items.map(\.value).max() ?? 0, 1)
        let room = Double(width - labelWidth - valueWidth)
        var svg = """
            <svg class="chart" id="\(escape(id))" role="img" aria-labelledby="\(escape(id))-title \(escape(id))-desc" \
            viewBox="0 0 \(width) \(height)" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">
            <title id="\(escape(id))-title">\(escape(title))</title>
            <desc id="\(escape(id))-desc">\(escape(description))</desc>

            """
        for (index, item) in items.enumerated() {
            let y = 4 + index * rowHeight
            let length = max(0, Int((item.value / largest * room).rounded()))
            svg += """
                <g><text x="\(labelWidth - 8)" y="\(y + 18)" text-anchor="end" class="chart-label">\(escape(item.label))</text>\
                <rect x="\(labelWidth)" y="\(y + 4)" width="\(length)" height="\(rowHeight - 10)" class="chart-bar"/>\
                <text x="\(labelWidth + length + 6)" y="\(y + 18)" class="chart-value">\(escape(item.text))</text></g>

                """
        }
        return svg + "</svg>"
    }

    /// Vertical columns over time (weeks, say), labelled under each column.
    static func columns(id: String, title: String, description: String, items: [Bar], width: Int = 560, height: Int = 200) -> String {
        let bottom = height - 36
        let count = max(1, items.count)
        let step = Double(width - 20) / Double(count)
        let largest = max(items.map(\.value).max() ?? 0, 1)
        var svg = """
            <svg class="chart" id="\(escape(id))" role="img" aria-labelledby="\(escape(id))-title \(escape(id))-desc" \
            viewBox="0 0 \(width) \(height)" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">
            <title id="\(escape(id))-title">\(escape(title))</title>
            <desc id="\(escape(id))-desc">\(escape(description))</desc>
            <line x1="10" y1="\(bottom)" x2="\(width - 10)" y2="\(bottom)" class="chart-axis"/>

            """
        for (index, item) in items.enumerated() {
            let columnHeight = Int((item.value / largest * Double(bottom - 24)).rounded())
            let x = 10 + Int(Double(index) * step + step * 0.15)
            let columnWidth = max(2, Int(step * 0.7))
            svg += """
                <g><rect x="\(x)" y="\(bottom - columnHeight)" width="\(columnWidth)" height="\(columnHeight)" class="chart-bar"/>\
                <text x="\(x + columnWidth / 2)" y="\(bottom - columnHeight - 4)" text-anchor="middle" class="chart-value">\(escape(item.text))</text>\
                <text x="\(x + columnWidth / 2)" y="\(bottom + 16)" text-anchor="middle" class="chart-label">\(escape(item.label))</text></g>

                """
        }
        return svg + "</svg>"
    }

    /// Text safe inside SVG/XML content and attribute values.
    static func escape(_ text: String) -> String {
        text.markupEscaped
    }
}
