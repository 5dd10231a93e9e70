import SwiftUI
import SmartHemsCore

/// The iOS shell: holds the core, forwards links and the foreground event. No business rules.
@main
struct SmartHemsApp: App {
    @StateObject private var model: ScreenModel
    @Environment(\.scenePhase) private var scenePhase
    /// Whether the app has been active once (the launch); later activations are returns.
    @State private var launched = false
    private let phone: ApplePhone

    init() {
        initLogging(filter: "info") // os_log, subsystem jp.co.panasonic.smarthems
        let phone = ApplePhone()
        self.phone = phone
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
        let core = try! SmartHems(config: config, platform: phone, secureStore: KeychainStore(service: "jp.co.panasonic.smarthems"))
        phone.core = core
        _model = StateObject(wrappedValue: ScreenModel(core: core))
        Task { _ = await core.start() }
    }

    var body: some Scene {
        WindowGroup {
            ScreenView(model: model)
                // The login redirect when it arrives outside the sheet (its custom scheme), and universal links
                // (the AiSEG2's 2D code, App Flip); the core validates every one.
                .onOpenURL { url in Task { _ = await model.core.openUrl(url: url.absoluteString) } }
                .onContinueUserActivity(NSUserActivityTypeBrowsingWeb) { activity in
                    guard let url = activity.webpageURL else { return }
                    Task { _ = await model.core.openUrl(url: url.absoluteString) }
                }
        }
        .onChange(of: scenePhase) { phase in
            // The first .active is the launch itself (start() covers it); later ones are returns.
            if phase == .active {
                if launched { Task { _ = await model.core.appForegrounded() } }
                launched = true
            }
        }
    }
}
