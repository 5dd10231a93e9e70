// The app's secrets in the iOS Keychain, implemented in Swift (Security exists on Apple platforms
// only). Used instead of the core's `keychainSecureStore(service:)`, whose items take the
// Keychain's default class and so travel in encrypted backups and to a new phone.
#if canImport(Security)
import Foundation
import Security

/// `SecureStore` over generic-password Keychain items (service = the bundle id, account = the
/// core's key). Every item is `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`:
/// - *ThisDeviceOnly*: never in an iCloud Keychain, an iTunes/Finder backup or a Quick Start
///   transfer. The tokens and the PKCE verifier belong to this phone's speaker user (the database
///   that names it is excluded from backups too); a new phone logs in afresh.
/// - *AfterFirstUnlock*: readable while the phone is locked after its first unlock, so a refresh
///   or a queued request finishing just after the screen locks does not fail.
/// Answers from storage only and never calls back into the core (the seam's rule).
public final class KeychainStore: SecureStore, @unchecked Sendable {
    private let service: String
    private static let accessible = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly

    public init(service: String) { self.service = service }

    private func query(_ key: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: key,
            kSecUseDataProtectionKeychain as String: true,
        ]
    }

    private func failure(_ what: String, _ status: OSStatus) -> SecureStoreError {
        let message = SecCopyErrorMessageString(status, nil) as String? ?? "OSStatus \(status)"
        return .Unavailable(reason: "Keychain \(what): \(message)")
    }

    public func load(key: String) throws -> String? {
        var query = query(key)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        switch status {
        case errSecSuccess:
            guard let data = result as? Data, let value = String(data: data, encoding: .utf8) else {
                throw SecureStoreError.Unavailable(reason: "Keychain item \(key) is not UTF-8 text")
            }
            return value
        case errSecItemNotFound:
            return nil
        default:
            throw failure("read", status)
        }
    }

    public func save(key: String, value: String) throws {
        let data = Data(value.utf8)
        // Update in place, re-stating the class (an item written by an older build under another
        // class moves to this one); add when there is nothing to update.
        let changes: [String: Any] = [
            kSecValueData as String: data,
            kSecAttrAccessible as String: Self.accessible,
        ]
        var status = SecItemUpdate(query(key) as CFDictionary, changes as CFDictionary)
        if status == errSecItemNotFound {
            var item = query(key)
            item.merge(changes) { _, new in new }
            status = SecItemAdd(item as CFDictionary, nil)
        }
        guard status == errSecSuccess else { throw failure("write", status) }
    }

    public func delete(key: String) throws {
        let status = SecItemDelete(query(key) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else { throw failure("delete", status) }
    }
}
#endif
