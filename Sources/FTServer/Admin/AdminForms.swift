internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import NIOCore

/// What the admin pages' forms (the alert centre's, the announcements') share: who may post, from
/// where, how much, and the fields.
extension AdminController {
    /// The largest admin form: an announcement's 4,000 characters, percent-encoded.
    static let maximumForm = 65_536

    /// The fields of a form posted by a signed-in admin, with the admin's id. The session cookie
    /// is `SameSite=Strict`, and a post from a browser must also say it comes from this server
    /// (`Origin`), so that another site cannot make an admin's browser act. Refused: a visitor's
    /// sign-in page (401), a refusal (403), or, for a body over `maximumForm`, the page
    /// `tooLarge` renders with the problem (413).
    func postedForm(_ request: Request, tooLarge: (String) throws -> String) async throws -> Result<(admin: Int64, form: [String: [String]]), Refusal> {
        let admin: Int64
        switch try self.admin(request) {
        case .success(let id): admin = id
        case .failure(let refusal): return .failure(refusal)
        }
        if Self.cookieToken(request) != nil, !Self.sameOrigin(request) {
            return .failure(Refusal(response: Self.page(.forbidden, AdminPages.forbidden)))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumForm)
        } catch {
            return .failure(Refusal(response: Self.page(.contentTooLarge, try tooLarge("Le formulaire dépasse \(Self.maximumForm / 1_024) Kio."))))
        }
        return .success((admin, Self.formFields(String(buffer: body))))
    }

    /// Whether a browser's post comes from this server: its `Origin` names this host (with the
    /// port), or, without one, `Sec-Fetch-Site` says same-origin.
    static func sameOrigin(_ request: Request) -> Bool {
        let host = request.head.authority
        if let origin = request.headers[.origin] {
            guard let host, let url = URL(string: origin), let scheme = url.scheme, scheme == "http" || scheme == "https", let name = url.host else { return false }
            return (url.port.map { "\(name):\($0)" } ?? name) == host
        }
        return request.headers[HTTPField.Name("Sec-Fetch-Site")!] == "same-origin"
    }

    /// `application/x-www-form-urlencoded` fields, each name with its values in order.
    static func formFields(_ body: String) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first.map(decode), !name.isEmpty else { continue }
            fields[name, default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return fields
    }
}
