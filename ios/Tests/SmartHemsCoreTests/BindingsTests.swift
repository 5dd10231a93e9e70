// Flows A and B through the generated Swift against the simulated cloud as a process, the
// platform's callbacks and the secure store implemented in Swift, errors crossing the boundary in
// both directions, the AsyncStream of screens, and calls back into the core from its callbacks.
// The same checks as the Kotlin binding tests (bindings/kotlin/src/test/kotlin/.../BindingsTest.kt);
// run on Linux by scripts/swift-test.sh.
#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import SmartHemsCore

final class BindingsTests: XCTestCase {
    private var sim: SimCloud!
    private var dir: URL!
    private let phone = Phone()
    private let keychain = Keychain()

    override func setUpWithError() throws {
        sim = try SimCloud()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("smarthems-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        sim?.close()
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    private func config(cloud: String? = nil, database: String = "app.db") -> Config {
        Config(
            issuer: sim.issuer,
            clientId: "smarthems-app",
            redirectUri: redirect,
            cloudBaseUrl: cloud ?? sim.apiBase,
            databasePath: dir.appendingPathComponent(database).path,
            language: .japanese,
            appVersion: "3.1.0",
            appId: "jp.co.panasonic.smarthems",
            googleClientId: "google-home",
            oldIdPaths: []
        )
    }

    private func newApp(store: SecureStore? = nil, platform: Platform? = nil) throws -> SmartHems {
        try SmartHems(config: config(), platform: platform ?? phone, secureStore: store ?? keychain)
    }

    /// Taps the button the user reads as `label` (within the hang guard); the screen it led to.
    /// The calls that move the app on return nothing (a screen crosses once, to the listeners):
    /// these helpers read the screen after, as a test's shorthand.
    @discardableResult
    private func press(_ app: SmartHems, _ label: String, file: StaticString = #filePath, line: UInt = #line) async throws -> ScreenView {
        let screen = app.screen()
        guard let button = screen.button(label) else {
            XCTFail("「\(screen.title)」 has no 「\(label)」: \(screen.buttons.map(\.label))", file: file, line: line)
            throw Hung(what: "no button \(label)")
        }
        try await within("tap 「\(label)」") { await app.tap(action: button.action) }
        return app.screen()
    }

    private func open(_ app: SmartHems, _ url: String) async throws -> ScreenView {
        try await within("openUrl") { await app.openUrl(url: url) }
        return app.screen()
    }

    @discardableResult
    private func start(_ app: SmartHems) async throws -> ScreenView {
        try await within("start") { await app.start() }
        return app.screen()
    }

    @discardableResult
    private func logIn(_ app: SmartHems) async throws -> ScreenView {
        try await press(app, "CLUB Panasonic ログイン画面へ")
        return try await open(app, try await logInInBrowser(phone.opened.get().last!))
    }

    func testFlowAFromWelcomeToHomeWithScreensObservedAsAnAsyncStream() async throws {
        let app = try newApp()
        // Subscribing happens when the stream is made: the current screen is its first element.
        let stream = app.screens()
        let firstFour = Task { () -> [String] in
            var titles: [String] = []
            for await view in stream {
                titles.append(view.title)
                if titles.count == 4 { break }
            }
            return titles
        }
        let launched = try await start(app)
        XCTAssertEqual(launched.title, "スマートHEMSサービス")
        let login = try await press(app, "CLUB Panasonic ログイン画面へ")
        XCTAssertEqual(login.title, "CLUB Panasonic ログイン")
        XCTAssertTrue(phone.opened.get().last!.contains("code_challenge_method=S256"))
        let terms = try await open(app, try await logInInBrowser(phone.opened.get().last!))
        guard case .appTerms = terms.screen else { return XCTFail("an enum Screen: \(terms.screen)") }
        XCTAssertEqual(terms.title, "スマートHEMSサービス利用規約")
        let speakerPrompt = try await press(app, "同意する")
        XCTAssertEqual(speakerPrompt.title, "スマートスピーカー連携サービス登録")
        let home = try await press(app, "いいえ")
        guard case .home = home.screen else { return XCTFail("home: \(home.screen)") }
        XCTAssertTrue(home.body.first!.contains("パナソニック 太郎"), "\(home.body)")
        let titles = try await within("four screens from the stream") { await firstFour.value }
        XCTAssertEqual(titles.first, "スマートHEMSサービス", "a new stream gets the current screen first")
        XCTAssertEqual(titles.count, 4)

        // Tokens went to the Swift keychain, never into SQLite.
        let tokens = keychain.items.get().values.joined(separator: ", ")
        XCTAssertTrue(tokens.contains("access_token"))
        // The database runs in WAL mode: recent writes sit in app.db-wal (and the index in
        // app.db-shm) until a checkpoint, so all three files are read while the app is open.
        let files = ["app.db", "app.db-wal", "app.db-shm"].map { dir.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        XCTAssertTrue(files.contains { $0.lastPathComponent == "app.db-wal" },
                      "expected a WAL file: \((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])")
        let database = try files.map { try Data(contentsOf: $0) }.reduce(Data(), +)
        for name in ["access_token", "refresh_token"] {
            let secret = try XCTUnwrap(capture("\"\(name)\":\"([^\"]+)\"", in: tokens), "no \(name) kept")
            XCTAssertNil(database.range(of: Data(secret.utf8)), "the \(name) reached SQLite")
        }
        withExtendedLifetime(app) {}
    }

    func testTheAppObjectCanBeReleasedAndMadeAgainOnTheSameScreen() async throws {
        do {
            let app = try newApp()
            try await start(app)
            try await logIn(app)
        }
        let app = try newApp()
        let resumed = try await start(app)
        XCTAssertEqual(resumed.title, "スマートHEMSサービス利用規約")
        let speakerPrompt = try await press(app, "同意する")
        XCTAssertEqual(speakerPrompt.title, "スマートスピーカー連携サービス登録")
    }

    func testErrorsCrossTheBoundaryAsSwiftErrors() throws {
        XCTAssertThrowsError(try SmartHems(config: config(cloud: "http://hems.example.jp/api/v1"), platform: phone, secureStore: keychain)) { error in
            guard case let SetupError.InsecureUrl(field) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "cloud_base_url")
        }
    }

    func testAKeychainThatThrowsUnavailableGivesTheServiceTroubleScreenAndTheLoginCanBeRetried() async throws {
        let app = try newApp()
        try await start(app)
        // Starting a login stores the PKCE verifier: the Swift error crosses into Rust.
        keychain.unavailable.update { $0 = true }
        let problem = try await press(app, "CLUB Panasonic ログイン画面へ")
        XCTAssertEqual(problem.screen, .problem(problem: .serviceTrouble))
        XCTAssertEqual(problem.title, "サービスに接続できません")
        XCTAssertTrue(problem.body.first!.contains("「再試行」"), "\(problem.body)")
        XCTAssertEqual(problem.button("再試行")?.enabled, true)
        XCTAssertGreaterThan(keychain.refused.get(), 0, "the store was asked and refused")
        XCTAssertTrue(phone.opened.get().isEmpty, "no login page without a place for the verifier")

        // The keychain is back: 「再試行」 opens the login page.
        keychain.unavailable.update { $0 = false }
        let retried = try await press(app, "再試行")
        XCTAssertEqual(retried.title, "CLUB Panasonic ログイン")
        // It fails again while the redirect is handled (the verifier cannot be read): the same
        // screen, no tokens kept, and 「再試行」 starts a fresh login (a code works only once).
        let redirected = try await logInInBrowser(phone.opened.get().last!)
        keychain.unavailable.update { $0 = true }
        let failedAgain = try await open(app, redirected)
        XCTAssertEqual(failedAgain.screen, .problem(problem: .serviceTrouble))
        keychain.unavailable.update { $0 = false }
        XCTAssertNil(keychain.items.get()["login.tokens"])
        let retriedAgain = try await press(app, "再試行")
        XCTAssertEqual(retriedAgain.title, "CLUB Panasonic ログイン")
        let terms = try await open(app, try await logInInBrowser(phone.opened.get().last!))
        XCTAssertEqual(terms.title, "スマートHEMSサービス利用規約")
        XCTAssertNotNil(keychain.items.get()["login.tokens"])
    }

    func testAKeychainThrowingAnUnexpectedErrorIsAStoreFailureNotAStuckApp() async throws {
        struct Invalidated: Error {}
        final class Broken: SecureStore, @unchecked Sendable {
            func load(key: String) throws -> String? { throw Invalidated() }
            func save(key: String, value: String) throws { throw Invalidated() }
            func delete(key: String) throws { throw Invalidated() }
        }
        let app = try newApp(store: Broken())
        try await start(app)
        let problem = try await press(app, "CLUB Panasonic ログイン画面へ")
        XCTAssertEqual(problem.screen, .problem(problem: .serviceTrouble))
        XCTAssertEqual(problem.title, "サービスに接続できません")
    }

    func testAPlatformCallbackThatThrowsIsANoticeNotACrash() async throws {
        struct NoBrowser: Error {}
        final class Broken: Platform, @unchecked Sendable {
            func openLoginPage(url: String) throws { throw PlatformError.Failed(reason: "no browser") }
            func openGoogleHome(link: String) throws { throw NoBrowser() }
            func openStore() throws { throw NoBrowser() }
            func answerGoogle(answer: AppFlipAnswer) throws { throw NoBrowser() }
        }
        let app = try newApp(platform: Broken())
        try await start(app)
        try await press(app, "CLUB Panasonic ログイン画面へ")
        try await eventually("the notice") { app.screen().notice?.contains("ブラウザを開けませんでした") == true }
        XCTAssertEqual(app.screen().title, "CLUB Panasonic ログイン")
        XCTAssertNotNil(app.screen().button("ブラウザをもう一度開く"), "the way to try again is still there")
    }

    func testFlowBFromはいToASpokenCommandThatChangesADevice() async throws {
        let app = try newApp()
        try await start(app)
        try await logIn(app)
        try await press(app, "同意する")
        let nickname = try await press(app, "はい")
        XCTAssertEqual(nickname.title, "ニックネーム登録")
        try await within("nickname") { await app.tap(action: .editNickname(text: "たろう")) }
        XCTAssertEqual(app.screen().input?.value, "たろう")
        let privacy = try await press(app, "登録する")
        XCTAssertEqual(privacy.title, "プライバシーポリシー")
        let devices = try await press(app, "同意する")
        XCTAssertEqual(devices.title, "音声操作機器選択")
        XCTAssertEqual(devices.button("次へ")?.enabled, false)
        let chosen = try await press(app, "リビングのエアコン")
        XCTAssertEqual(chosen.button("リビングのエアコン")?.checked, true)
        let accountLink = try await press(app, "次へ")
        XCTAssertEqual(accountLink.title, "アカウントリンク")
        let speakerTerms = try await press(app, "Google Home")
        XCTAssertEqual(speakerTerms.title, "スマートスピーカー連携サービス利用規約")
        let examples = try await press(app, "同意する")
        XCTAssertTrue(examples.body.contains("「OK Google、リビングのエアコンを冷房にして」"), "\(examples.body)")
        let handOff = try await press(app, "登録")
        XCTAssertEqual(handOff.title, "Google Home と連携")
        let waiting = try await press(app, "Google Home 起動")
        XCTAssertEqual(waiting.title, "Google Homeで連携しています")
        let links = phone.googleHomeLinks.get()
        XCTAssertEqual(links.count, 1)
        XCTAssertTrue(links.last!.contains("ha_linking%3Fagent_id%3Dsmarthems-sim"), links.last!)
        let linked = try await sim.post("/google/link", "{\"email\":\"\(email)\",\"password\":\"\(password)\"}")
        XCTAssertTrue(linked.contains("Finished"), linked)
        try await within("foregrounded") { await app.appForegrounded() }
        XCTAssertEqual(app.screen().title, "連携が完了しました")
        let said = try await sim.post("/google/say", "{\"email\":\"\(email)\",\"utterance\":\"OK Google、リビングのエアコンを冷房にして\"}")
        XCTAssertTrue(said.contains("冷房にします"), said)
        let aiseg = try await sim.get("/aiseg/devices?email=\(email)")
        XCTAssertTrue(aiseg.contains("\"mode\":\"cool\""), aiseg)
    }

    func testScreenChangesReachASwiftListenerFromTheCoresOwnThreads() async throws {
        let app = try newApp()
        try await start(app)
        let stream = app.screens()
        let next = Task { () -> String? in
            for await view in stream where view.title == "CLUB Panasonic ログイン" { return view.title }
            return nil
        }
        try await press(app, "CLUB Panasonic ログイン画面へ")
        let heard = try await within("the login screen from the stream") { await next.value }
        XCTAssertEqual(heard, "CLUB Panasonic ログイン")
    }

    func testEndingTheIterationEndsTheSubscription() async throws {
        let app = try newApp()
        try await start(app)
        let before = StreamListener.subscribed
        var seen: [String] = []
        for await view in app.screens() {
            XCTAssertEqual(StreamListener.subscribed, before + 1, "subscribed while iterating")
            seen.append(view.title)
            break
        }
        XCTAssertEqual(seen, ["スマートHEMSサービス"])
        // The core let go of the stream's listener (the only thing holding it).
        try await eventually("the listener released") { StreamListener.subscribed == before }

        // A cancelled task ends its iteration too.
        let reading = Task {
            for await _ in app.screens() {}
        }
        try await eventually("subscribed from the task") { StreamListener.subscribed == before + 1 }
        reading.cancel()
        _ = await reading.value
        try await eventually("the listener released after cancel") { StreamListener.subscribed == before }
        // The core goes on without listeners.
        let login = try await press(app, "CLUB Panasonic ログイン画面へ")
        XCTAssertEqual(login.title, "CLUB Panasonic ログイン")
    }

    /// A shell that calls straight back into the core, blocking, from inside its callbacks: a
    /// listener that taps as soon as it sees a screen, and a browser that is cancelled as soon as
    /// it opens. Neither may deadlock (the core calls out with no lock held).
    func testCallbacksMayCallBackIntoTheCoreWithoutDeadlock() async throws {
        /// Waits, blocking this thread, for an async call into the core (as a careless shell would).
        func blocking(_ call: @escaping @Sendable () async -> Void) {
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                await call()
                done.signal()
            }
            done.wait()
        }
        final class CancellingBrowser: Platform, @unchecked Sendable {
            weak var app: SmartHems?
            let cancelled = Locked(0)
            func openLoginPage(url: String) {
                guard let app else { return }
                // A synchronous call too: the current screen from inside the callback.
                _ = app.screen()
                blocking { await app.tap(action: .cancelLogin) }
                cancelled.update { $0 += 1 }
            }
            func openGoogleHome(link: String) {}
            func openStore() {}
            func answerGoogle(answer: AppFlipAnswer) {}
        }
        final class Impatient: ScreenListener, @unchecked Sendable {
            weak var app: SmartHems?
            let seen = Locked<[String]>([])
            func onScreen(view: ScreenView) {
                seen.update { $0.append(view.title) }
                if view.title == "CLUB Panasonic ログイン", let app {
                    XCTAssertEqual(app.screen().title, "CLUB Panasonic ログイン")
                    blocking { await app.tap(action: .openHelp) }
                }
            }
        }

        // The browser cancels from inside openLoginPage: back on the welcome screen.
        let browser = CancellingBrowser()
        let first = try SmartHems(config: config(), platform: browser, secureStore: keychain)
        browser.app = first
        try await within("tap from a platform callback") { await first.tap(action: .openLogin) }
        try await eventually("the browser's cancel") { browser.cancelled.get() == 1 }
        XCTAssertEqual(first.screen().title, "スマートHEMSサービス")

        // The listener opens help from inside onScreen.
        let app = try SmartHems(config: config(database: "b.db"), platform: phone, secureStore: keychain)
        let listener = Impatient()
        listener.app = app
        let subscription = app.subscribe(listener: listener)
        try await within("tap with a listener calling back") { await app.tap(action: .openLogin) }
        try await eventually("help shown") { app.screen().title == "ヘルプ・お問い合わせ" }
        // The listener hears the screens its own tap caused once it has returned.
        try await eventually("five screens heard") { listener.seen.get().count >= 5 }
        XCTAssertEqual(listener.seen.get(),
                       ["スマートHEMSサービス", "ログイン画面を開いています…", "CLUB Panasonic ログイン", "読み込んでいます…", "ヘルプ・お問い合わせ"])
        withExtendedLifetime(subscription) {}
    }
}
#endif
