internal import Foundation
public import Hummingbird

/// Times every answer, once its body is written, into `ServerMetrics`. A handler that throws is
/// counted with the status its error carries (500 for an error that carries none).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let method = request.method.rawValue
        let endpoint = context.endpointPath
        let record: @Sendable (Int) -> Void = { [metrics] status in
            let route = endpoint ?? (status == 404 ? "unmatched" : "static")
            metrics.record(route: route, method: method, status: status, nanoseconds: DispatchTime.now().uptimeNanoseconds - start, at: Date())
        }
        do {
            var response = try await next(request, context)
            let status = response.status.code
            // Once the body is written (Hummingbird's own `withPostWriteClosure` is package-only).
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                defer { record(status) }
                try await body.write(writer)
            }
            return response
        } catch {
            record((error as? any HTTPResponseError)?.status.code ?? 500)
            throw error
        }
    }
}
