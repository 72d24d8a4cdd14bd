internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import FTModel
internal import FTStore

extension AdminController {
    /// `GET /admin/dossiers/{id}.html`: the dossier, who has it, and the reassignment form;
    /// after a reassignment, `offert` (the expert's id, or `personne`) says what was done.
    @Sendable func dossierPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let dossiers else { return Self.page(.notFound, AdminPages.notFound) }
        switch try self.admin(request) {
        case .success: break
        case .failure(let refusal): return refusal.response
        }
        // One parameter name for the page and the form's route: the router takes one per position.
        guard let file = context.parameters.get("id"), file.hasSuffix(".html"), let id = Int64(file.dropLast(5)), let token = Self.token(request) else {
            return Self.page(.notFound, AdminPages.notFound)
        }
        let notice = try reassignmentNotice(request.uri.queryParameters["offert"].map(String.init))
        guard let html = try dossiers(id, FormToken.make(session: token), notice, nil) else { return Self.page(.notFound, AdminPages.notFound) }
        return Self.page(.ok, html)
    }

    /// `POST /admin/dossiers/{id}/reattribuer`: the form of the dossier's page (`expert`: a
    /// ranked expert's id or empty for the rules; `autre`: any expert's e-mail or number, which wins;
    /// `motif`; `csrf`), from a signed-in admin whose browser says it comes from this server.
    /// Done: 303 back to the page, which says to whom; refused: 400, the page saying why, nothing
    /// changed.
    @Sendable func reassignDossier(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let dossiers else { return Self.page(.notFound, AdminPages.notFound) }
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { return Self.page(.notFound, AdminPages.notFound) }
        let admin: Int64
        let form: [String: [String]]
        switch try await postedForm(request, tooLarge: { AdminPages.shell("Formulaire trop grand", "<h1>Formulaire trop grand</h1><p>\($0)</p>") }) {
        case .success(let posted): (admin, form) = posted
        case .failure(let refusal): return refusal.response
        }
        guard let token = Self.token(request) else { return Self.page(.unauthorized, AdminPages.signIn) }
        let csrf = FormToken.make(session: token)
        func refuse(_ status: HTTPResponse.Status, _ problem: String) throws -> Response {
            guard let html = try dossiers(id, csrf, nil, problem) else { return Self.page(.notFound, AdminPages.notFound) }
            return Self.page(status, html)
        }
        guard let sent = form["csrf"]?.first, FormToken.matches(sent, session: token) else {
            return try refuse(.forbidden, "Le formulaire a expiré ou ne vient pas de cette page : rechargez-la et recommencez.")
        }
        let other = (form["autre"]?.first ?? "").trimmingCharacters(in: .whitespaces)
        let chosen = other.isEmpty ? (form["expert"]?.first ?? "") : other
        let expert: Int64?
        if chosen.isEmpty {
            expert = nil
        } else if chosen.contains("@") {
            guard chosen.count <= 254, let found = try database.expertId(email: chosen) else {
                return try refuse(.badRequest, "Aucun expert n’a l’adresse « \(chosen.prefix(80)) » (champ « autre »).")
            }
            expert = found
        } else if let number = Int64(chosen), number > 0 {
            expert = number
        } else {
            return try refuse(.badRequest, "« \(chosen.prefix(40)) » n’est ni l’e-mail ni le numéro d’un expert (champ « \(other.isEmpty ? "expert" : "autre") »).")
        }
        do {
            let offered = try database.reassignDossier(id, to: expert, reason: form["motif"]?.first ?? "", by: admin, now: now())
            // The experts' notifications leave, the dashboard follows, the live channel tells the
            // new expert's devices (the offer's grant).
            onCommit()
            live?.committed(upTo: try database.latestSequence())
            return Response(status: .seeOther, headers: [.location: "/admin/dossiers/\(id).html?offert=\(offered.map(String.init) ?? "personne")", .cacheControl: "no-store"])
        } catch let refused as ReassignmentRefused {
            return try refuse(.badRequest, refused.problem)
        }
    }

    /// The sentence of `offert` in the page's query.
    private func reassignmentNotice(_ offered: String?) throws -> String? {
        guard let offered else { return nil }
        if offered == "personne" {
            return "Dossier retiré : aucun expert n’est disponible selon les règles, il attend qu’un expert se libère."
        }
        guard let id = Int64(offered), let name = try database.expertName(id: id) else { return nil }
        return "Dossier réattribué : offert à \(name), qui doit l’accepter."
    }
}
