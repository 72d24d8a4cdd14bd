internal import Foundation

extension Data {
    /// Base64url without padding (RFC 4648 §5): safe in a URL path and a header.
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
