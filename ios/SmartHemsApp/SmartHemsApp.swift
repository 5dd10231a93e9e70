import SwiftUI
import SmartHemsCore

/// Makes the core off the main thread (its database work must not hold up the first frame) and
/// holds it once made, or the reason it could not be made.
@MainActor
final class Launcher: ObservableObject {
    @Published private(set) var model: ScreenModel?
    @Published private(set) var failure: String?
    let phone = ApplePhone()
    /// Links that arrived before the core was made (a cold start by a 2D code or App Flip).
    private var waiting: [String] = []

    /// Hands a link to the core, or keeps it until the core is made.
    func open(_ url: String) {
        guard let core = model?.core else { return waiting.append(url) }
        Task { await core.openUrl(url: url) }
    }

    init() {
        initLogging(filter: "info") // os_log, subsystem jp.co.panasonic.smarthems
        let phone = self.phone
        Task.detached(priority: .userInitiated) {
            do {
                let core = try SmartHems(config: Launcher.config(), platform: phone, secureStore: KeychainStore(service: "jp.co.panasonic.smarthems"))
                phone.core = core
                let early = await MainActor.run { () -> [String] in
                    self.model = ScreenModel(core: core)
                    defer { self.waiting = [] }
                    return self.waiting
                }
                await core.start()
                for url in early { await core.openUrl(url: url) }
            } catch {
                // Only a broken build's configuration gets here (a damaged database starts the
                // app over inside the core): say so instead of crashing.
                await MainActor.run { self.failure = String(describing: error) }
            }
        }
    }

    nonisolated static func config() -> Config {
        let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        // The database (and its -wal/-shm) stays on this iPhone: it names this phone's speaker user,
        // and a backup restored to another phone (handed to a family member on the same ID) would
        // make two phones one speaker user. A new phone logs in and registers afresh instead.
        var data = support.appendingPathComponent("SmartHems", isDirectory: true)
        try? FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        var local = URLResourceValues()
        local.isExcludedFromBackup = true
        try? data.setResourceValues(local)
        let documents = FileManager.default.urls(for: .documentDirectory, in: .userDomainMask)[0]
        let config = Config(
            issuer: "https://club.panasonic.example/oidc",
            clientId: "smarthems-app",
            redirectUri: ApplePhone.loginRedirect, // the custom scheme the login sheet waits for
            cloudBaseUrl: "https://smarthems.panasonic.example/api/v1",
            databasePath: data.appendingPathComponent("smarthems.db").path,
            language: Locale.current.language.languageCode == .japanese ? .japanese : .english,
            appVersion: Bundle.main.infoDictionary?["CFBundleShortVersionString"] as? String ?? "0",
            appId: Bundle.main.bundleIdentifier ?? "jp.co.panasonic.smarthems",
            googleClientId: "google-home",
            // Where the old app kept its Panasonic ID and スマートHEMSクラブ data.
            oldIdPaths: [documents.appendingPathComponent("hems_club.sqlite").path]
        )
        // Secrets go to the Keychain as items that stay on this iPhone (…ThisDeviceOnly: never in a
        // backup or a transfer to a new phone; KeychainStore in the package).
        return config
    }
}

/// The iOS shell: holds the core, forwards links and the foreground event. No business rules.
@main
struct SmartHemsApp: App {
    @StateObject private var launcher = Launcher()
    @Environment(\.scenePhase) private var scenePhase
    /// Whether the app has been active once (the launch); later activations are returns.
    @State private var launched = false

    var body: some Scene {
        WindowGroup {
            Group {
                if let model = launcher.model {
                    ScreenView(model: model)
                } else if let failure = launcher.failure {
                    VStack(spacing: 12) {
                        Text("アプリを起動できませんでした").font(.title2).bold()
                        Text("お手数ですが、アプリを最新バージョンにアップデートしてください。")
                        Text(failure).font(.footnote).foregroundColor(.secondary)
                    }.padding()
                } else {
                    ProgressView()
                }
            }
            // The login redirect when it arrives outside the sheet (its custom scheme), and universal
            // links (the AiSEG2's 2D code, App Flip); the core validates every one.
            .onOpenURL { url in launcher.open(url.absoluteString) }
            .onContinueUserActivity(NSUserActivityTypeBrowsingWeb) { activity in
                if let url = activity.webpageURL { launcher.open(url.absoluteString) }
            }
        }
        .onChange(of: scenePhase) { phase in
            // The first .active is the launch itself (start() covers it); later ones are returns.
            if phase == .active {
                if launched, let model = launcher.model { Task { await model.core.appForegrounded() } }
                launched = true
            }
        }
    }
}
