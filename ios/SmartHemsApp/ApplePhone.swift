import AuthenticationServices
import SmartHemsCore
import UIKit

/// What only the phone can do: the login page in ASWebAuthenticationSession, opening Google Home
/// and the App Store.
final class ApplePhone: NSObject, Platform, ASWebAuthenticationPresentationContextProviding, @unchecked Sendable {
    weak var core: SmartHems?
    private var session: ASWebAuthenticationSession?

    /// The login redirect registered with CLUB Panasonic ID, given to the core as
    /// `Config.redirectUri`: a private-use URI scheme (RFC 8252 §7.1), the same as on Android.
    /// `ASWebAuthenticationSession` hands it only to this app's session. The scheme is also declared
    /// in Info.plist, so a redirect that ends outside the sheet (in Safari) still reaches the app
    /// through `onOpenURL`; the core checks `state`, `iss` and PKCE as for any redirect.
    /// It is not a universal link: an `https` callback (`Callback.https(host:path:)`, iOS 17.4+)
    /// would need a second redirect URI registered with CLUB Panasonic and a `webcredentials:`
    /// associated domain, and iOS 16–17.3 would still need the scheme.
    static let loginRedirect = "jp.co.panasonic.smarthems:/oauth2redirect"
    private static let callbackScheme = URL(string: loginRedirect)!.scheme!

    func openLoginPage(url: String) {
        DispatchQueue.main.async {
            guard let url = URL(string: url) else { return }
            let completion: ASWebAuthenticationSession.CompletionHandler = { [weak self] callback, _ in
                // A cancelled sheet gives no URL: the core's login screen offers to try again.
                guard let callback, let core = self?.core else { return }
                Task { await core.openUrl(url: callback.absoluteString) }
            }
            let session: ASWebAuthenticationSession
            if #available(iOS 17.4, *) {
                session = ASWebAuthenticationSession(url: url, callback: .customScheme(Self.callbackScheme), completionHandler: completion)
            } else {
                session = ASWebAuthenticationSession(url: url, callbackURLScheme: Self.callbackScheme, completionHandler: completion)
            }
            session.presentationContextProvider = self
            session.prefersEphemeralWebBrowserSession = false // keep the CLUB Panasonic SSO (step 3's note)
            self.session = session
            session.start()
        }
    }

    /// Google Home at `link` (its linking page for this service, a universal link), else the app,
    /// else the App Store.
    func openGoogleHome(link: String) {
        DispatchQueue.main.async {
            let app = URL(string: "googlehome://")!
            let store = URL(string: "https://apps.apple.com/app/google-home/id680819774")!
            guard let deepLink = URL(string: link) else { return }
            UIApplication.shared.open(deepLink, options: [.universalLinksOnly: true]) { opened in
                if opened { return }
                UIApplication.shared.open(app, options: [:]) { opened in
                    if !opened { UIApplication.shared.open(store) }
                }
            }
        }
    }

    /// This app's App Store page (Info.plist `SmartHemsAppStoreURL`, set once the listing's id is
    /// known), else the App Store's search for the app's name: the update screen's 「ストアでアップデートする」.
    func openStore() {
        DispatchQueue.main.async {
            let listed = (Bundle.main.object(forInfoDictionaryKey: "SmartHemsAppStoreURL") as? String).flatMap(URL.init(string:))
            var search = URLComponents(string: "https://apps.apple.com/jp/search")!
            search.queryItems = [URLQueryItem(name: "term", value: "スマートHEMSサービス")]
            if let url = listed ?? search.url { UIApplication.shared.open(url) }
        }
    }

    /// App Flip's answer: back to Google Home through its redirect (the core built and checked it).
    func answerGoogle(answer: AppFlipAnswer) {
        DispatchQueue.main.async {
            switch answer {
            case let .approved(redirect, _), let .declined(redirect), let .unavailable(redirect):
                if let url = URL(string: redirect) { UIApplication.shared.open(url) }
            case .refused:
                break // never send anything to a redirect that could not be trusted
            }
        }
    }

    func presentationAnchor(for session: ASWebAuthenticationSession) -> ASPresentationAnchor {
        UIApplication.shared.connectedScenes.compactMap { ($0 as? UIWindowScene)?.keyWindow }.first ?? ASPresentationAnchor()
    }
}
