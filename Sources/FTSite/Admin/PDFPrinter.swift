internal import Foundation

/// A page printed to PDF by headless Chromium (with the page's print stylesheet), at most 60 s.
struct PDFPrinter {
    let chromium: String
    var timeout: Double = 60

    func print(_ html: String, to pdf: String) throws {
        let temporary = pdf + ".tmp"
        let profile = NSTemporaryDirectory() + "ft-chromium-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-pdf-header-footer",
            "--user-data-dir=" + profile, "--print-to-pdf=" + temporary, URL(fileURLWithPath: html).absoluteString,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: deadline)
        // Polled, not `waitUntilExit()` (see TextExtractor).
        while process.isRunning { usleep(10_000) }
        deadline.cancel()
        let size = (try? FileManager.default.attributesOfItem(atPath: temporary))?[.size] as? Int ?? 0
        guard process.terminationReason == .exit, process.terminationStatus == 0, size > 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw SiteError.output(pdf, reason: "Chromium could not print the report (status \(process.terminationStatus))")
        }
        guard rename(temporary, pdf) == 0 else { throw SiteError.output(pdf, reason: String(cString: strerror(errno))) }
    }
}
