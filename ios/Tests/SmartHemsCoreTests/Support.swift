// What the binding tests stand on: the simulated cloud as a process, the phone and the keychain
// implemented in Swift, the user in the system browser, and a hang guard. Mirrors the Kotlin
// binding tests (bindings/kotlin/src/test/kotlin/.../BindingsTest.kt).
// The simulated cloud runs as a process: not on iOS, where these tests are not built.
#if os(Linux) || os(macOS)
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import SmartHemsCore

let redirect = "jp.co.panasonic.smarthems:/oauth2redirect"
let email = "taro@example.jp"
let password = "Passw0rd!"

/// How long a test waits before calling the core hung: answers take milliseconds, but CI machines stall.
let hangGuard: TimeInterval = 30

struct Hung: Error, CustomStringConvertible {
    let what: String
    var description: String { "no answer within \(Int(hangGuard)) s: \(what)" }
}

/// A small lock for the test doubles (their callbacks come from the core's threads).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
    @discardableResult
    func update<R>(_ change: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try change(&value)
    }
}

/// `body`'s result, or `Hung` after the hang guard. A body that never ends is left behind (the
/// test fails instead of waiting with it).
func within<T>(_ what: String, seconds: TimeInterval = hangGuard, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = Locked(false)
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
        let finish: @Sendable (Result<T, Error>) -> Void = { result in
            let first = once.update { done -> Bool in
                defer { done = true }
                return !done
            }
            if first { continuation.resume(with: result) }
        }
        let work = Task {
            do { finish(.success(try await body())) } catch { finish(.failure(error)) }
        }
        Task {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline, !once.get() { try? await Task.sleep(nanoseconds: 20_000_000) }
            finish(.failure(Hung(what: what)))
            work.cancel()
        }
    }
}

/// Polls `condition` until it holds or the hang guard runs out.
func eventually(_ what: String, _ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(hangGuard)
    while !condition() {
        if Date() > deadline { throw Hung(what: what) }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
}

/// The first capture group of `pattern` in `text`.
func capture(_ pattern: String, in text: String) -> String? {
    guard let regex = try? NSRegularExpression(pattern: pattern),
          let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
          let range = Range(match.range(at: 1), in: text) else { return nil }
    return String(text[range])
}

/// An HTTP client that does not follow redirects (the login's answer is a redirect to the app's
/// own scheme, which the test hands to the core as the system browser would).
final class Browser: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct Pending {
        var data = Data()
        let done: CheckedContinuation<(Data, HTTPURLResponse), Error>
    }
    private let pending = Locked<[Int: Pending]>([:])
    private var session: URLSession!

    override init() {
        super.init()
        session = URLSession(configuration: .ephemeral, delegate: self, delegateQueue: nil)
    }

    /// Ends the session (it holds its delegate, this object, until then).
    func close() { session.finishTasksAndInvalidate() }

    func send(_ request: URLRequest) async throws -> (body: String, response: HTTPURLResponse) {
        let (data, response) = try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: request)
            pending.update { $0[task.taskIdentifier] = Pending(done: continuation) }
            task.resume()
        }
        return (String(decoding: data, as: UTF8.self), response)
    }

    func get(_ url: String) async throws -> (body: String, response: HTTPURLResponse) {
        try await send(URLRequest(url: URL(string: url)!))
    }

    func post(_ url: String, type: String, body: String) async throws -> (body: String, response: HTTPURLResponse) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.setValue(type, forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        return try await send(request)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        pending.update { $0[dataTask.taskIdentifier]?.data.append(data) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let entry = pending.update({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let error {
            entry.done.resume(throwing: error)
        } else if let response = task.response as? HTTPURLResponse {
            entry.done.resume(returning: (entry.data, response))
        } else {
            entry.done.resume(throwing: URLError(.badServerResponse))
        }
    }
}

/// The simulated cloud as a separate process on loopback (`SMARTHEMS_SIMCLOUD`, set by
/// scripts/swift-test.sh); it prints its URLs as one JSON line and stops when its stdin closes.
final class SimCloud {
    private let process = Process()
    private let stdin = Pipe()
    let issuer: String
    let apiBase: String
    private let control: String
    private let http = Browser()

    init() throws {
        guard let path = ProcessInfo.processInfo.environment["SMARTHEMS_SIMCLOUD"] else {
            throw NSError(domain: "simcloud", code: 2,
                          userInfo: [NSLocalizedDescriptionKey: "SMARTHEMS_SIMCLOUD is not set (run scripts/swift-test.sh)"])
        }
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: path)
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break } // end of file: it stopped before printing
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        func field(_ name: String) throws -> String {
            guard let value = json[name] as? String else {
                throw NSError(domain: "simcloud", code: 1, userInfo: [NSLocalizedDescriptionKey: "no \(name) in \(text)"])
            }
            return value
        }
        issuer = try field("issuer")
        apiBase = try field("api_base")
        control = try field("control_url")
    }

    /// Calls the test-control API (`/_sim/...`) with a JSON body.
    func post(_ path: String, _ json: String) async throws -> String {
        try await http.post(control + path, type: "application/json", body: json).body
    }

    func get(_ path: String) async throws -> String {
        try await http.get(control + path).body
    }

    /// Closes its stdin and waits for it to stop (killed after 20 s).
    func close() {
        http.close()
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

/// The phone around the app, in Swift: the system browser, the Google Home app and the store.
final class Phone: Platform, @unchecked Sendable {
    let opened = Locked<[String]>([])
    let googleHomeLinks = Locked<[String]>([])
    let answers = Locked<[AppFlipAnswer]>([])
    let storeOpened = Locked(0)

    func openLoginPage(url: String) { opened.update { $0.append(url) } }
    func openGoogleHome(link: String) { googleHomeLinks.update { $0.append(link) } }
    func openStore() { storeOpened.update { $0 += 1 } }
    func answerGoogle(answer: AppFlipAnswer) { answers.update { $0.append(answer) } }
}

/// A keychain double: a dictionary that outlives the app object, like the real one. While
/// `unavailable`, every call throws `SecureStoreError.Unavailable`, as a locked Keychain does.
final class Keychain: SecureStore, @unchecked Sendable {
    let items = Locked<[String: String]>([:])
    let unavailable = Locked(false)
    let refused = Locked(0)

    private func available() throws {
        if unavailable.get() {
            refused.update { $0 += 1 }
            throw SecureStoreError.Unavailable(reason: "Keychain locked (test)")
        }
    }
    func load(key: String) throws -> String? {
        try available()
        return items.get()[key]
    }
    func save(key: String, value: String) throws {
        try available()
        items.update { $0[key] = value }
    }
    func delete(key: String) throws {
        try available()
        items.update { _ = $0.removeValue(forKey: key) }
    }
}

/// The user in the system browser: fills in CLUB Panasonic's login form and returns the redirect.
func logInInBrowser(_ authorizeUrl: String) async throws -> String {
    let browser = Browser()
    defer { browser.close() }
    let page = try await browser.get(authorizeUrl)
    guard let interaction = capture("name=\"interaction\" value=\"([^\"]+)\"", in: page.body) else {
        throw NSError(domain: "browser", code: page.response.statusCode,
                      userInfo: [NSLocalizedDescriptionKey: "no login form: \(page.response.statusCode)"])
    }
    var form = URLComponents()
    form.queryItems = [("interaction", interaction), ("email", email), ("password", password)]
        .map { URLQueryItem(name: $0.0, value: $0.1) }
    // URLComponents leaves '+' alone; in a form body it means a space.
    let body = form.percentEncodedQuery!.replacingOccurrences(of: "+", with: "%2B")
    let login = URL(string: "/oidc/login", relativeTo: URL(string: authorizeUrl)!)!.absoluteString
    let answer = try await browser.post(login, type: "application/x-www-form-urlencoded", body: body)
    let location = answer.response.value(forHTTPHeaderField: "Location") ?? ""
    XCTAssertTrue(location.hasPrefix(redirect), "login answered \(answer.response.statusCode) → \(location)")
    return location
}
#endif
