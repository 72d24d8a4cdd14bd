internal import Dispatch
public import FTStore
public import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// What a push endpoint may be. An endpoint is a URL a browser hands the server for the server to
/// call, so it is checked as an attacker's input (server-side request forgery): `https` only, no
/// credentials, and every address its host resolves to public — never loopback, private,
/// link-local, shared, multicast or reserved. Checked when a subscription arrives and again before
/// each round of deliveries (a name can resolve elsewhere later), each host once per round.
public struct PushEndpointGuard: Sendable {
    /// For tests only: `http` and loopback addresses are accepted, for a push service on this
    /// machine. Private and link-local addresses stay refused.
    public var allowsLoopback: Bool

    public init(allowsLoopback: Bool = false) {
        self.allowsLoopback = allowsLoopback
    }

    static let maximumLength = 2_048

    /// The endpoint as a URL, or a `PushSubscriptionError` naming `endpoint` and what is wrong.
    public func check(_ endpoint: String) async throws -> URL {
        let url = try checkSyntax(endpoint)
        try await checkHost(Self.bareHost(url))
        return url
    }

    /// Many endpoints, each host resolved once (a round of pushes goes to a few push services).
    public func check(_ endpoints: [String]) async -> [String: Result<URL, PushSubscriptionError>] {
        var hosts: [String: PushSubscriptionError?] = [:]
        var checked: [String: Result<URL, PushSubscriptionError>] = [:]
        for endpoint in Set(endpoints) {
            do {
                let url = try checkSyntax(endpoint)
                let host = Self.bareHost(url)
                if hosts[host] == nil {
                    do {
                        try await checkHost(host)
                        hosts[host] = .some(nil)
                    } catch let refused as PushSubscriptionError {
                        hosts[host] = refused
                    }
                }
                if let refused = hosts[host] ?? nil { throw refused }
                checked[endpoint] = .success(url)
            } catch let refused as PushSubscriptionError {
                checked[endpoint] = .failure(refused)
            } catch {
                checked[endpoint] = .failure(Self.refused("\(error)"))
            }
        }
        return checked
    }

    /// Every address `host` resolves to is allowed.
    private func checkHost(_ host: String) async throws {
        let addresses = try await Self.resolve(host)
        guard !addresses.isEmpty else { throw Self.refused("its host \(host) does not resolve") }
        for address in addresses where !isAllowed(address) {
            throw Self.refused("its host \(host) is a \(Self.describe(address)) address (\(address.text))")
        }
    }

    /// The checks that need no name resolution: scheme, length, credentials, literal addresses.
    public func checkSyntax(_ endpoint: String) throws -> URL {
        guard endpoint.utf8.count <= Self.maximumLength else { throw Self.refused("it is longer than \(Self.maximumLength) bytes") }
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw Self.refused("it is not an absolute URL")
        }
        guard scheme == "https" || (allowsLoopback && scheme == "http") else { throw Self.refused("it must be https, not \(scheme)") }
        guard url.user == nil, url.password == nil else { throw Self.refused("it must not carry a user name or password") }
        if let literal = IPAddress(Self.bareHost(url)), !isAllowed(literal) {
            throw Self.refused("\(literal.text) is a \(Self.describe(literal)) address")
        }
        return url
    }

    func isAllowed(_ address: IPAddress) -> Bool {
        switch address.scope {
        case .global: true
        case .loopback: allowsLoopback
        default: false
        }
    }

    static func bareHost(_ url: URL) -> String {
        let host = url.host ?? ""
        return host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    static func refused(_ why: String) -> PushSubscriptionError {
        PushSubscriptionError(field: "endpoint", message: "endpoint refused: \(why)")
    }

    static func describe(_ address: IPAddress) -> String {
        switch address.scope {
        case .global: "public"
        case .loopback: "loopback"
        case .private: "private"
        case .linkLocal: "link-local"
        case .reserved: "reserved or non-unicast"
        }
    }

    /// The host's addresses (a literal is itself), resolved off Swift's thread pool.
    static func resolve(_ host: String) async throws -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: getAddresses(host)) }
        }
    }

    private static func getAddresses(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let pointer = entry.pointee.ai_addr {
                if entry.pointee.ai_family == AF_INET {
                    let address = pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    addresses.append(IPAddress(bytes: withUnsafeBytes(of: address) { Array($0) }))
                } else if entry.pointee.ai_family == AF_INET6 {
                    let address = pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    addresses.append(IPAddress(bytes: withUnsafeBytes(of: address) { Array($0) }))
                }
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }
}

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address, and what part of the network it belongs to.
struct IPAddress: Sendable, Equatable {
    let bytes: [UInt8]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A literal address (`192.0.2.1`, `2001:db8::1`), or nil.
    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: v6) { Array($0) }
        } else {
            return nil
        }
    }

    var text: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }

    enum Scope: Equatable { case global, loopback, `private`, linkLocal, reserved }

    var scope: Scope {
        if bytes.count == 4 { return Self.scope(v4: bytes) }
        let b = bytes
        // IPv4 inside IPv6: mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) take the IPv4 rule.
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return Self.scope(v4: Array(b[12..<16])) }
        if b[0..<12] == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0][...] { return Self.scope(v4: Array(b[12..<16])) }
        if b[0..<15].allSatisfy({ $0 == 0 }) { return b[15] == 1 ? .loopback : .reserved }    // ::1, ::
        if b[0] & 0xfe == 0xfc { return .private }                                        // fc00::/7
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return .linkLocal }                      // fe80::/10
        if b[0] == 0xff { return .reserved }                                              // multicast
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return .reserved } // 2001:db8::/32
        if b[0..<12].allSatisfy({ $0 == 0 }) { return .reserved }                         // ::a.b.c.d
        return .global
    }

    private static func scope(v4 b: [UInt8]) -> Scope {
        switch (b[0], b[1]) {
        case (127, _): return .loopback
        case (10, _), (172, 16...31), (192, 168): return .private
        case (100, 64...127): return .private                                  // shared address space
        case (169, 254): return .linkLocal
        case (0, _), (224...255, _): return .reserved                          // "this network", multicast, reserved, broadcast
        case (192, 0) where b[2] == 0 || b[2] == 2: return .reserved           // IETF protocol, TEST-NET-1
        case (198, 18...19): return .reserved                                  // benchmarking
        case (198, 51) where b[2] == 100, (203, 0) where b[2] == 113: return .reserved // TEST-NET-2, -3
        default: return .global
        }
    }
}
